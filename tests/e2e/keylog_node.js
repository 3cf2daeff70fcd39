// keylog_node.js PORT SERVERNAME CA_FILE KEYLOG_FILE - one TLS connection to 127.0.0.1:PORT that writes
// its key log from the TLSSocket 'keylog' event (each line is a Buffer ending in a newline, NSS format).
// Exit 0 when the handshake (certificate check included) succeeded, 1 with the error code otherwise.
'use strict';
const fs = require('fs');
const tls = require('tls');

const [port, servername, caFile, keylogFile] = process.argv.slice(2);
const sock = tls.connect({ host: '127.0.0.1', port: Number(port), servername, ca: fs.readFileSync(caFile) });
sock.on('keylog', (line) => fs.appendFileSync(keylogFile, line));
sock.setTimeout(10000, () => { console.log('timeout'); process.exit(1); });
sock.on('secureConnect', () => {
  console.log('ok ' + sock.getProtocol() + ' ' + sock.getCipher().standardName);
  sock.end();
});
sock.on('close', () => process.exit(sock.authorized ? 0 : 1));
sock.on('error', (e) => { console.log('error ' + (e.code || e.message)); process.exit(1); });
