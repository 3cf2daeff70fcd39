'use strict';
// Node.js side of the end-to-end test (run_e2e.py drives it).
//
//   node e2e_node.js server CONFIG.json   listen on each configured port; print "ready" when all listen
//   node e2e_node.js client ATTEMPTS.json one tls.connect per attempt, in order; one JSON line each
//
// Server modes (TLS 1.2 at most, so the certificate stays visible in the capture):
//   sni-reset  SNICallback: a name other than `allow` makes the server reset the TCP connection
//              (resetAndDestroy on the raw socket: RST right after the ClientHello)
//   sni-close  SNICallback: a name other than `allow` gets cb(new Error()): Node closes the socket
//   serve      present key/cert(/chain) to everyone
const fs = require('fs');
const net = require('net');
const tls = require('tls');

const TIMEOUT_MS = 10000;

function server(config) {
	const servers = [];
	let listening = 0;
	for (const s of config.servers) {
		const cert = fs.readFileSync(s.cert, 'latin1') + (s.chain ? fs.readFileSync(s.chain, 'latin1') : '');
		const raw = new Map(); // remote port -> raw TCP socket, for the reset
		const opts = { key: fs.readFileSync(s.key), cert, maxVersion: 'TLSv1.2' };
		if (s.mode === 'sni-reset' || s.mode === 'sni-close') {
			opts.SNICallback = function (name, cb) {
				if (name === s.allow)
					return cb(null, null);
				if (s.mode === 'sni-close')
					return cb(new Error(`unknown server name ${name}`));
				const sock = raw.get(this.remotePort) || this._parent;
				if (sock && typeof sock.resetAndDestroy === 'function')
					sock.resetAndDestroy();
				else
					this.destroy();
			};
		}
		const srv = tls.createServer(opts, (sock) => {
			sock.on('error', () => {});
			sock.end('HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nok\n');
		});
		srv.on('connection', (sock) => {
			raw.set(sock.remotePort, sock);
			sock.on('close', () => raw.delete(sock.remotePort));
			sock.on('error', () => {});
		});
		srv.on('tlsClientError', () => {});
		srv.listen(s.port, '127.0.0.1', () => {
			if (++listening === config.servers.length)
				process.stdout.write('ready\n');
		});
		servers.push(srv);
	}
	process.on('SIGTERM', () => process.exit(0));
	process.on('SIGINT', () => process.exit(0));
}

function attempt(a, ca) {
	return new Promise((resolve) => {
		const res = { case: a.case, client: 'node', port: a.port, local_port: null, ok: false, code: null, message: null };
		let done = false;
		let secured = false;
		const finish = (err) => {
			if (done)
				return;
			done = true;
			clearTimeout(timer);
			if (secured) {
				res.ok = true; // what happens after the handshake is not the point
			} else if (err) {
				res.code = err.code || err.constructor.name;
				res.message = err.message;
			}
			sock.destroy();
			resolve(res);
		};
		const opts = { host: '127.0.0.1', port: a.port };
		if (ca)
			opts.ca = ca;
		if (a.servername)
			opts.servername = a.servername;
		const sock = tls.connect(opts);
		const timer = setTimeout(() => finish({ code: 'TIMEOUT', message: 'no answer in 10 s' }), TIMEOUT_MS);
		sock.on('connect', () => { res.local_port = sock.localPort; });
		sock.on('secureConnect', () => {
			secured = true;
			if (res.local_port === null)
				res.local_port = sock.localPort;
			// Behave like a real HTTPS client: one request, read the answer, close.
			sock.write(`GET / HTTP/1.0\r\nHost: ${a.servername || '127.0.0.1'}\r\n\r\n`);
		});
		sock.on('data', () => {});
		// Before secureConnect an 'end' is followed by Node's own error ('Client network socket
		// disconnected ...'): wait for it.
		sock.on('end', () => { if (secured) finish(null); });
		sock.on('error', (err) => finish(err));
		sock.on('close', () => finish({ code: 'CLOSED', message: 'closed without error or secureConnect' }));
	});
}

async function client(attempts) {
	// no ca: Node's own default trust (its bundled roots, NODE_EXTRA_CA_CERTS, --use-openssl-ca)
	const ca = attempts.ca ? fs.readFileSync(attempts.ca) : undefined;
	for (const a of attempts.attempts) {
		const r = await attempt(a, ca);
		process.stdout.write(JSON.stringify(r) + '\n');
	}
}

const [mode, file] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
if (mode === 'server')
	server(config);
else if (mode === 'client')
	client(config).then(() => process.exit(0));
else {
	process.stderr.write('usage: node e2e_node.js server|client FILE.json\n');
	process.exit(2);
}
