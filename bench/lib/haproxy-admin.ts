import { connect } from 'node:net';

/**
 * Sends one command to HAProxy's runtime API (`stats socket … level admin`) and returns its answer,
 * e.g. `set server be/e5 state ready`. Throws when HAProxy answers with an error line.
 */
export function haproxyCommand(socketPath: string, command: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`haproxy runtime API: no answer to "${command}" in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = answer.trim();
      if (/^(Unknown|No such|Require|Invalid|.*not found)/i.test(text)) {
        reject(new Error(`haproxy runtime API: "${command}" → ${text}`));
      } else resolve(text);
    });
  });
}
