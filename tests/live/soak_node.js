'use strict';
// Node.js load for the live soak test (test_live_soak.py drives it).
//
//   node soak_node.js server PORT12 PORT13 KEY CERT_CHAIN
//       TLS 1.2 on PORT12, TLS 1.3 on PORT13; answers each line with a line and keeps the
//       connection open until the client closes it; prints "ready" once both listen
//   node soak_node.js client CA PORT12,PORT13 TOTAL CONCURRENCY HOLD SECONDS
//       TOTAL handshakes (0: until SECONDS have passed), CONCURRENCY at a time, alternating the ports.
//       Each sends a line and reads the answer; the first HOLD then stay open and idle until the
//       run ends and close without a TLS close_notify (so no payload follows an eviction or an
//       idle timeout); the others close at once. One line per connection as soon as its answer
//       came: "LOCALPORT SERVERPORT ok", or "LOCALPORT SERVERPORT error".
const fs = require('fs');
const tls = require('tls');

function server(port12, port13, key, chain) {
	const cert = fs.readFileSync(chain);
	let listening = 0;
	for (const [port, maxVersion] of [[port12, 'TLSv1.2'], [port13, 'TLSv1.3']]) {
		const srv = tls.createServer({ key: fs.readFileSync(key), cert, maxVersion }, (sock) => {
			sock.on('error', () => {});
			sock.on('data', () => sock.write('pong\n'));
			sock.on('end', () => sock.destroy());
		});
		srv.on('tlsClientError', () => {});
		srv.listen(port, '127.0.0.1', () => {
			if (++listening === 2)
				process.stdout.write('ready\n');
		});
	}
	process.on('SIGTERM', () => process.exit(0));
}

const held = [];

function one(ca, port, hold) {
	return new Promise((resolve) => {
		let localPort = 0;
		let done = false;
		const finish = (ok) => {
			if (done)
				return;
			done = true;
			process.stdout.write(`${localPort} ${port} ${ok ? 'ok' : 'error'}\n`);
			resolve();
		};
		const sock = tls.connect({ host: '127.0.0.1', port, ca, servername: 'www.example.test' });
		sock.on('connect', () => { localPort = sock.localPort; });
		sock.on('secureConnect', () => sock.write('ping\n'));
		sock.once('data', () => {
			if (hold) {
				held.push(sock);
				finish(true);
			} else {
				sock.on('close', () => finish(true));
				sock.end();
			}
		});
		sock.on('error', () => { sock.destroy(); finish(false); });
		sock.setTimeout(10000, () => { if (!held.includes(sock)) { sock.destroy(); finish(false); } });
	});
}

async function client(caFile, ports, total, concurrency, hold, seconds) {
	const ca = fs.readFileSync(caFile);
	const deadline = Date.now() + seconds * 1000;
	let started = 0;
	const worker = async () => {
		while ((total === 0 || started < total) && Date.now() < deadline) {
			const n = started++;
			await one(ca, ports[n % ports.length], n < hold);
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	for (const sock of held)
		sock.destroy();
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'server') {
	server(Number(args[0]), Number(args[1]), args[2], args[3]);
} else if (mode === 'client') {
	client(args[0], args[1].split(',').map(Number), Number(args[2]), Number(args[3]), Number(args[4]),
		Number(args[5])).then(() => setTimeout(() => process.exit(0), 200));
} else {
	process.stderr.write('usage: node soak_node.js server|client ...\n');
	process.exit(2);
}
