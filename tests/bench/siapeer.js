// siapeer.js LIB PORT ACCOUNT-BASE-HEX WIDTH COUNT - the ioBroker.sia receiver
// (npm iobroker.sia, build/lib/sia.js) on 127.0.0.1:PORT for the benchmark's
// peer comparison.  It stores nothing and acknowledges on receipt; accounts
// BASE..BASE+COUNT-1 (hex, zero-padded to WIDTH) are configured in the clear.
// Prints "ready" once listening.  Never a run-time dependency of pcod.
'use strict';

const [lib, port, base, width, count] = process.argv.slice(2);
if (!lib || !port || !base || !width || !count) {
	console.error('usage: node siapeer.js LIB PORT ACCOUNT-BASE-HEX WIDTH COUNT');
	process.exit(2);
}
const Sia = require(lib).sia;
const accounts = [];
for (let i = 0; i < Number(count); i++) {
	const n = (parseInt(base, 16) + i).toString(16).toUpperCase();
	accounts.push({ accountnumber: n.padStart(Number(width), '0'),
	    password: '', aes: false, hex: false, ack: false });
}
const server = new Sia({ host: '127.0.0.1', port: Number(port), timeout: 0 });
server.setAccounts(accounts);
let errors = 0;
server.on('error', () => { errors++; });
server.on('sia', (msg, err) => { if (err) errors++; });
server.servertcp.on('listening', () => console.log('ready'));
server.serverStartTCP();
process.on('SIGTERM', () => {
	console.error(`siapeer: ${errors} error(s)`);
	process.exit(0);
});
