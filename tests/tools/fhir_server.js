#!/usr/bin/env node
/* fhir_server: a FHIR R4 server for the sync tests: Medplum's FHIR engine
 * (@medplum/fhir-router's FhirRouter over its in-memory MemoryRepository)
 * behind real TLS, HTTP/2 (h2 by ALPN) and HTTP/1.1 keep-alive on the same
 * port, and injected faults.
 *
 * Usage:
 *   fhir_server.js --port N --cert C --key K [--token T] [--client-ca CA]
 *                  [--faults SPEC] [--control FILE] [--dump FILE] [--ready FILE]
 *                  [--no-validate] [--check-answers] [--http1] [--verbose]
 *
 * The FHIR base is https://127.0.0.1:N/fhir.  Requests under it go to the
 * engine as they are: POST [base] takes a transaction (all or nothing: a
 * failed entry undoes the others), PUT/GET/POST [base]/Type[/id] and
 * searches (Type?identifier=..., _summary=count) work as on a Medplum
 * server, with its conditional create (ifNoneExist; 412 when several
 * resources match) and urn:uuid rewriting.  Only PUT and POST count as the
 * client's requests: they take a fault each, and a connection is counted
 * once it carried one.  Reads (GET) are for the tests and take no fault.
 * A client may send several requests at once (HTTP/2 streams on one
 * connection, or several HTTP/1.1 connections); the engine takes them one
 * at a time, in the order they arrived, as a single database would commit
 * them.  --http1 offers HTTP/1.1 only (ALPN), for clients that must fall
 * back to it.
 *
 * Faults: SPEC is a comma-separated list applied to successive PUT/POST
 * requests (one item per request; then normal service).  "x*3" repeats.
 *   ok          normal answer
 *   500         HTTP 500, nothing stored
 *   503         HTTP 503 with "Retry-After: 1", nothing stored
 *   503date     HTTP 503 with Retry-After as an HTTP date 4 s ahead
 *   429         HTTP 429 with "Retry-After: 3", nothing stored
 *   slow        store, answer normally after 1.5 s
 *   reset       store, then reset the connection without an answer (under
 *               HTTP/2 the whole connection: other requests on it are
 *               lost too)
 *   hang        read the request, store nothing, never answer
 *   badjson     store, then answer 200 with a body that is not JSON
 *   400         HTTP 400 with an OperationOutcome, nothing stored
 *   401         HTTP 401, nothing stored
 *   403         HTTP 403, nothing stored
 *   searchset   store nothing; 200 with a searchset Bundle (total 0)
 *   batchfail   store nothing; 200 batch-response, every entry "422 ..."
 *   entry422    store nothing; 200 transaction-response whose last entry
 *               is "422 Unprocessable Entity" (the others 201)
 *   short       store; 200 transaction-response one entry short
 *   wrongloc    store; the first entry's location names another id
 *   locquery    store; locations carry "?name=<the patient's family name>"
 *   huge        store; 200 with a body over 8 MiB (padded with spaces)
 *   quote422    store nothing; 422 OperationOutcome quoting the family name
 * With --control FILE the list is replaced by the file's content whenever
 * the file changes (so a test can switch faults while the server runs).
 *
 * GET /_dump returns what the server holds as JSON (and --dump FILE writes
 * the same on exit): resources ("Type/id" -> {"writes": versions in the
 * engine's history, "resource": the current version}, read from the
 * engine's repository), transactions (committed), connections that carried
 * FHIR requests, tls_failures, faults_applied, rejected requests
 * ({status, text}), auth_failures, and max_in_flight: the most PUT/POST
 * requests received and not yet answered at one time (h2_connections of
 * the connections spoke HTTP/2), and max_same_match: the most of them at
 * one time carrying the same conditional create (Type?ifNoneExist): two
 * of one person racing could make two Patients.
 *
 * Every resource PUT or in a transaction is checked with @medplum/core's
 * validateResource against the R4 definitions (422 with the problems);
 * --no-validate turns that off.  With --check-answers a
 * QuestionnaireResponse must also fit (url|version, linkIds, answer types)
 * a Questionnaire the server holds.
 *
 * The engine comes from build/fhir-tools (tests/tools/fhir-deps.sh), or
 * $FHIR_TOOLS. */
'use strict';
const fs = require('fs');
const http2 = require('http2');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const tools = process.env.FHIR_TOOLS || path.join(root, 'build', 'fhir-tools');
const nm = path.join(tools, 'node_modules');

/* @medplum/core opens subscriptions over WebSocket and wants the global
 * that Node 20 lacks; the tests never subscribe. */
if (typeof globalThis.WebSocket === 'undefined')
	globalThis.WebSocket = class { constructor() { throw new Error('no WebSocket here'); } };

let core, defs, router;
try {
	core = require(path.join(nm, '@medplum', 'core'));
	defs = require(path.join(nm, '@medplum', 'definitions'));
	router = require(path.join(nm, '@medplum', 'fhir-router'));
} catch (e) {
	console.error('fhir_server: no Medplum engine in ' + tools + ' (run tests/tools/fhir-deps.sh): ' + e.message);
	process.exit(2);
}

const FAULT_NAMES = new Set(['ok', '500', '503', '503date', '429', 'slow', 'reset', 'hang',
	'badjson', '400', '401', '403', 'searchset', 'batchfail', 'entry422', 'short',
	'wrongloc', 'locquery', 'huge', 'quote422']);

function usage(msg) {
	console.error('fhir_server: ' + msg);
	process.exit(2);
}

function parseArgs(argv) {
	const o = { faults: '', noValidate: false, checkAnswers: false, verbose: false };
	const valued = { '--port': 'port', '--cert': 'cert', '--key': 'key', '--token': 'token',
		'--client-ca': 'clientCa', '--faults': 'faults', '--control': 'control',
		'--dump': 'dump', '--ready': 'ready' };
	for (let i = 0; i < argv.length; i++) {
		let a = argv[i], v;
		const eq = a.indexOf('=');
		if (a.startsWith('--') && eq > 0) {
			v = a.slice(eq + 1);
			a = a.slice(0, eq);
		}
		if (a === '--no-validate') o.noValidate = true;
		else if (a === '--http1') o.http1 = true;
		else if (a === '--check-answers') o.checkAnswers = true;
		else if (a === '--verbose') o.verbose = true;
		else if (valued[a]) {
			if (v === undefined) {
				if (i + 1 >= argv.length) usage(a + ' needs a value');
				v = argv[++i];
			}
			o[valued[a]] = v;
		} else usage('unknown argument ' + a);
	}
	for (const k of ['port', 'cert', 'key'])
		if (!o[k]) usage('--' + k + ' is required');
	o.port = parseInt(o.port, 10);
	return o;
}

function parseFaults(spec) {
	const out = [];
	for (let item of spec.replace(/\n/g, ',').split(',')) {
		item = item.trim();
		if (!item) continue;
		let n = 1;
		const star = item.indexOf('*');
		if (star >= 0) {
			n = parseInt(item.slice(star + 1), 10);
			item = item.slice(0, star);
		}
		if (!FAULT_NAMES.has(item)) usage('unknown fault ' + JSON.stringify(item));
		for (let k = 0; k < n; k++) out.push(item);
	}
	return out;
}

const OPTS = parseArgs(process.argv.slice(2));
let FAULTS = parseFaults(OPTS.faults);
const CONTROL = { path: OPTS.control, mtime: null };
const STATE = { transactions: 0, connections: 0, tls_failures: 0, faults_applied: [],
	rejected: [], auth_failures: 0, huge_sent: 0, huge_cut: 0, in_flight: 0, max_in_flight: 0,
	h2_connections: 0, max_same_match: 0 };
const MATCHING = new Map();
/* The TLS sockets by remote port: an HTTP/2 request shows its connection
 * only through a proxy that may not be torn down (the reset fault). */
const SOCKETS = new Map();
const COUNTED = new WeakSet();

/* The connection a request came on: the HTTP/2 session, else the socket. */
function connOf(rq) {
	return rq.stream ? rq.stream.session : rq.socket;
}

/* Call fn once, when the answer to rq is sent or abandoned. */
function onAnswered(rq, rs, fn) {
	let open = true;
	const done = () => { if (open) { open = false; fn(); } };
	rs.on('finish', done);
	rs.on('close', done);
	if (rq.stream) rq.stream.on('close', done);
}

/* Count the conditional creates of doc in flight until it is answered. */
function trackMatches(rq, rs, doc) {
	const keys = (Array.isArray(doc?.entry) ? doc.entry : []).filter(e => e?.request?.ifNoneExist)
		.map(e => String(e.request.url) + '?' + String(e.request.ifNoneExist));
	if (!keys.length) return;
	for (const k of keys) {
		const n = (MATCHING.get(k) || 0) + 1;
		MATCHING.set(k, n);
		if (n > STATE.max_same_match) STATE.max_same_match = n;
	}
	onAnswered(rq, rs, () => {
		for (const k of keys) {
			const n = MATCHING.get(k) - 1;
			if (n) MATCHING.set(k, n); else MATCHING.delete(k);
		}
	});
}

/* The answer can no longer be sent (the client gave up on it). */
function gone(rs) {
	return rs.stream ? rs.stream.destroyed || rs.stream.closed : rs.destroyed;
}

function nextFault() {
	if (CONTROL.path) {
		let mtime = null;
		try { mtime = fs.statSync(CONTROL.path, { bigint: true }).mtimeNs; } catch (e) { /* absent */ }
		if (mtime !== null && mtime !== CONTROL.mtime) {
			CONTROL.mtime = mtime;
			FAULTS = parseFaults(fs.readFileSync(CONTROL.path, 'utf8'));
		}
	}
	const f = FAULTS.length ? FAULTS.shift() : 'ok';
	STATE.faults_applied.push(f);
	return f;
}

/* ------------------------------------------------------------ the engine */

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json',
	'fhir/r4/profiles-medplum.json'])
	core.indexStructureDefinitionBundle(defs.readJson(f));
for (const f of defs.SEARCH_PARAMETER_BUNDLE_FILES)
	core.indexSearchParameterBundle(defs.readJson(f));

/* MemoryRepository applies a transaction's entries one by one and keeps
 * what it wrote when a later entry fails; a real server undoes them.  Every
 * write goes through createResource or deleteResource, so an undo log of
 * what each (type, id) held before is enough. */
class TxRepository extends router.MemoryRepository {
	constructor() {
		super();
		this.undo = null;
	}

	remember(type, id) {
		if (!this.undo) return;
		const cur = this.resources.get(type)?.get(id);
		const hist = this.history.get(type)?.get(id);
		this.undo.push({ type, id, cur, histLen: hist ? hist.length : -1 });
	}

	async createResource(resource) {
		if (resource.id) this.remember(resource.resourceType, resource.id);
		else {
			/* The engine assigns the id inside; remember "nothing there". */
			const id = this.generateId();
			resource = { ...resource, id };
			this.remember(resource.resourceType, id);
		}
		return super.createResource(resource);
	}

	async deleteResource(type, id) {
		this.remember(type, id);
		return super.deleteResource(type, id);
	}

	async withTransaction(callback) {
		if (this.undo) return callback(undefined);
		this.undo = [];
		try {
			const r = await callback(undefined);
			this.undo = null;
			return r;
		} catch (e) {
			const log = this.undo;
			this.undo = null;
			for (const u of log.reverse()) {
				const res = this.resources.get(u.type);
				const hist = this.history.get(u.type);
				if (u.cur) res.set(u.id, u.cur); else res?.delete(u.id);
				if (u.histLen < 0) hist?.delete(u.id);
				else hist.get(u.id).length = u.histLen;
			}
			throw e;
		}
	}

	/* MemoryRepository's matcher treats a string search's :exact like a
	 * plain (starts-with) search; a Medplum server on its database does
	 * not.  Apply :exact here, before paging, as the server would. */
	async search(req) {
		const exact = (req.filters || []).filter(f => f.operator === core.Operator.EXACT);
		if (!exact.length) return super.search(req);
		const all = await super.search({ ...req, count: undefined, offset: undefined });
		const hit = (all.entry || []).filter(e => exact.every(f => {
			const sp = core.getSearchParameter(e.resource.resourceType, f.code);
			const got = sp ? core.evalFhirPath(sp.expression, e.resource) : [];
			return got.some(v => v === f.value);
		}));
		const from = req.offset || 0;
		const page = hit.slice(from, req.count === undefined ? undefined : from + req.count);
		return { ...all, entry: page.length ? page : undefined, total: hit.length };
	}

	/* Every stored resource with how often it was written. */
	held() {
		const out = {};
		for (const [type, byId] of this.resources)
			for (const [id, res] of byId)
				out[type + '/' + id] = { writes: this.history.get(type)?.get(id)?.length ?? 1,
					resource: res };
		return out;
	}
}

const repo = new TxRepository();
const fhir = new router.FhirRouter();

function dumpJson() {
	return JSON.stringify({ resources: repo.held(), ...STATE });
}

function outcome(text, code = 'invalid') {
	return { resourceType: 'OperationOutcome',
		issue: [{ severity: 'error', code, diagnostics: text }] };
}

function outcomeText(oo) {
	return (oo.issue || []).map(i => i.details?.text || i.diagnostics || i.code)
		.concat().join('; ');
}

/* Problems with one resource, '' when valid. */
function invalid(res) {
	if (!res || typeof res !== 'object' || typeof res.resourceType !== 'string')
		return 'not a FHIR resource';
	if (OPTS.noValidate) return '';
	try {
		core.validateResource(res);
	} catch (e) {
		const oo = e.outcome;
		const text = oo ? (oo.issue || []).slice(0, 5).map(i =>
			(i.expression || []).join(',') + ': ' + (i.details?.text || i.diagnostics)).join('; ')
			: String(e.message);
		if (OPTS.verbose) console.error('fhir_server: invalid ' + res.resourceType + ': ' + text);
		return text.slice(0, 500);
	}
	return '';
}

const ANSWER_TYPES = {
	boolean: ['Boolean'], decimal: ['Decimal'], integer: ['Integer'], date: ['Date'],
	dateTime: ['DateTime'], time: ['Time'], string: ['String'], text: ['String'],
	url: ['Uri'], choice: ['Coding', 'String'], 'open-choice': ['Coding', 'String'],
	attachment: ['Attachment'], reference: ['Reference'], quantity: ['Quantity'] };

function flatItems(items, out) {
	for (const it of items || []) {
		out.push(it);
		flatItems(it.item, out);
		for (const a of it.answer || []) flatItems(a.item, out);
	}
	return out;
}

/* With --check-answers: a QuestionnaireResponse fits a Questionnaire the
 * server holds (its url|version), item by item. */
async function answersProblem(qr) {
	const [url, version] = String(qr.questionnaire || '').split('|');
	const found = await repo.search(core.parseSearchRequest('Questionnaire',
		{ url, ...(version ? { version } : {}) }));
	const q = found.entry?.[0]?.resource;
	if (!q) return 'questionnaire ' + qr.questionnaire + ' is not on this server';
	const byId = new Map(flatItems(q.item, []).map(i => [i.linkId, i]));
	for (const it of flatItems(qr.item, [])) {
		const qi = byId.get(it.linkId);
		if (!qi) return 'linkId ' + it.linkId + ' is not an item of the Questionnaire';
		const answers = it.answer || [];
		if ((qi.type === 'display' || qi.type === 'group') && answers.length)
			return it.linkId + ' asks nothing but has answers';
		if (answers.length > 1 && !qi.repeats)
			return it.linkId + ' does not repeat but has ' + answers.length + ' answers';
		for (const a of answers)
			for (const k of Object.keys(a))
				if (k.startsWith('value') && !(ANSWER_TYPES[qi.type] || []).includes(k.slice(5)))
					return it.linkId + ': ' + k + ' does not fit a ' + qi.type + ' item';
	}
	return '';
}

async function checkResource(res) {
	let p = invalid(res);
	if (!p && OPTS.checkAnswers && res.resourceType === 'QuestionnaireResponse')
		p = await answersProblem(res);
	return p;
}

/* ------------------------------------------------------------------ HTTP */

function send(rq, rs, status, body, extra) {
	if (gone(rs)) return;
	const data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
	const head = { 'Content-Type': 'application/fhir+json', 'Content-Length': data.length,
		...(extra || {}) };
	if (rq.stream) {
		/* The stream itself, not the compatibility response: that one
		 * ends the stream in a frame of its own after the body (it
		 * waits for trailers), so a client that has the whole body
		 * resets the stream, and after 1,000 resets Node's flood guard
		 * ends the connection.  Servers end the stream with the body. */
		rq.stream.respond({ ':status': status, ...head });
		rq.stream.end(data);
		return;
	}
	rs.writeHead(status, head);
	rs.end(data);
}

/* body padded with spaces to 64 MiB: the first such answer chunked (no
 * length: only the client's write callback can stop it), the next with a
 * Content-Length (which the client can refuse up front), and so on.
 * huge_cut counts the answers the client did not read to the end. */
function sendHuge(rq, rs, status, body) {
	const HUGE = 64 * 1024 * 1024;
	let data = Buffer.from(JSON.stringify(body));
	data = Buffer.concat([data, Buffer.alloc(HUGE - data.length, ' ')]);
	const chunked = ++STATE.huge_sent % 2 === 1;
	const head = chunked ? { 'Content-Type': 'application/fhir+json' } :
		{ 'Content-Type': 'application/fhir+json', 'Content-Length': data.length };
	let out = rs, off = 0;
	if (rq.stream) {
		/* HTTP/2: the stream ends with the last data (see send()); a
		 * client that stops reading resets it. */
		out = rq.stream;
		out.on('error', () => { /* reset by the client */ });
		/* Counted as cut from the start, and no longer once the
		 * stream ends cleanly after the last byte: a client that stops
		 * reading may reset the stream or just go away. */
		STATE.huge_cut++;
		out.on('close', () => {
			if (out.rstCode === http2.constants.NGHTTP2_NO_ERROR && off >= data.length) STATE.huge_cut--;
		});
		out.respond({ ':status': status, ...head });
	} else {
		let done = false;
		rs.on('finish', () => { done = true; });
		rs.on('close', () => { if (!done) STATE.huge_cut++; });
		rs.writeHead(status, head);
	}
	const step = 1 << 16;
	const pump = () => {
		while (off < data.length) {
			if (out.destroyed) return;
			const part = data.subarray(off, off + step);
			off += step;
			if (!out.write(part)) {
				out.once('drain', pump);
				return;
			}
		}
		out.end();
	};
	pump();
}

function readBody(rq) {
	return new Promise((resolve, reject) => {
		const parts = [];
		rq.on('data', c => parts.push(c));
		rq.on('end', () => resolve(Buffer.concat(parts)));
		rq.on('error', reject);
	});
}

function authorised(rq) {
	if (!OPTS.token) return true;
	if (rq.headers.authorization === 'Bearer ' + OPTS.token) return true;
	STATE.auth_failures++;
	return false;
}

function reject(rq, rs, status, text) {
	STATE.rejected.push({ status, text });
	if (OPTS.verbose) console.error('fhir_server: rejected ' + status + ': ' + text);
	send(rq, rs, status, outcome(text));
}

/* An answer that stores nothing; true when the fault is one. */
function faultAnswer(fault, rq, rs, doc) {
	const n = Array.isArray(doc?.entry) ? doc.entry.length : 1;
	const bundle = (type, entries) => ({ resourceType: 'Bundle', type, entry: entries });
	switch (fault) {
	case '500':
		send(rq, rs, 500, outcome('internal error (test fault)', 'exception')); break;
	case '503':
	case '503date':
		send(rq, rs, 503, outcome('busy (test fault)', 'transient'), { 'Retry-After':
			fault === '503' ? '1' : new Date(Date.now() + 4000).toUTCString() });
		break;
	case '429':
		send(rq, rs, 429, outcome('too many requests (test fault)', 'throttled'),
			{ 'Retry-After': '3' });
		break;
	case '400':
		send(rq, rs, 400, outcome('Bundle.entry[0].resource: birthDate is not a valid date (test fault)'));
		break;
	case '401':
	case '403':
		STATE.auth_failures++;
		send(rq, rs, +fault, outcome('token expired (test fault)', fault === '401' ? 'login' : 'forbidden'),
			{ 'WWW-Authenticate': 'Bearer' });
		break;
	case 'hang': {
		if (rq.stream) {
			const st = rq.stream;
			const t = setTimeout(() => st.close(http2.constants.NGHTTP2_CANCEL), 60000);
			st.on('close', () => clearTimeout(t));
			break;
		}
		const sock = rq.socket;
		const t = setTimeout(() => sock.destroy(), 60000);
		sock.on('close', () => clearTimeout(t));
		break;
	}
	case 'searchset':
		send(rq, rs, 200, { resourceType: 'Bundle', type: 'searchset', total: 0 }); break;
	case 'batchfail':
		send(rq, rs, 200, bundle('batch-response', Array.from({ length: n }, () =>
			({ response: { status: '422 Unprocessable Entity' } }))));
		break;
	case 'entry422':
		send(rq, rs, 200, bundle('transaction-response', Array.from({ length: n }, (_, i) =>
			({ response: { status: i === n - 1 ? '422 Unprocessable Entity' : '201 Created' } }))));
		break;
	case 'quote422': {
		const text = "Patient.name '" + familyName(doc) + "' rejected";
		send(rq, rs, 422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error',
			code: 'invariant', diagnostics: text, details: { text },
			expression: ['Patient.name[0].family'] }] });
		break;
	}
	default:
		return false;
	}
	return true;
}

function familyName(doc) {
	const resources = doc?.resourceType === 'Bundle' ? (doc.entry || []).map(e => e.resource) : [doc];
	const p = resources.find(r => r?.resourceType === 'Patient');
	return p?.name?.[0]?.family || '';
}

/* The answer after the engine stored the request, shaped by a fault that
 * stores. */
function finishFault(fault, rq, rs, status, body, doc) {
	if (fault === 'reset') {
		/* A TCP RST under the TLS layer: the client sees the connection
		 * torn down with no answer ("connection reset by peer"). */
		const s = rq.stream ? SOCKETS.get(rq.socket.remotePort) : rq.socket;
		if (!s) {
			rq.stream.session.destroy();
			return;
		}
		try { (s._parent || s).resetAndDestroy(); } catch (e) { /* no TCP handle */ }
		s.destroy();
		return;
	}
	if (fault === 'badjson') {
		send(rq, rs, 200, '{"resourceType": "Bundle", <html>proxy error');
		return;
	}
	if (body?.resourceType === 'Bundle' && Array.isArray(body.entry)) {
		if (fault === 'short')
			body.entry.pop();
		else if (fault === 'wrongloc' && body.entry[0]?.response?.location) {
			const type = body.entry[0].response.location.split('/')[0];
			body.entry[0].response.location = type +
				'/00000000-0000-0000-0000-000000000000/_history/1';
		} else if (fault === 'locquery') {
			const fam = familyName(doc);
			for (const e of body.entry)
				if (e.response?.location)
					e.response.location = e.response.location.split('/').slice(0, 2).join('/') +
						'/_history/1?name=' + fam;
		}
	}
	if (fault === 'huge') {
		sendHuge(rq, rs, status, body);
		return;
	}
	if (fault === 'slow') {
		setTimeout(() => send(rq, rs, status, body), 1500);
		return;
	}
	send(rq, rs, status, body);
}

/* The engine's answer for a request under /fhir.  One request at a time:
 * TxRepository's undo log is one per repository. */
let ENGINE_TAIL = Promise.resolve();
function engine(method, url, body) {
	const run = async () => {
		const req = { method, url, pathname: '', body, params: {}, query: {},
			headers: {}, config: { transactions: true } };
		const [oo, res] = await fhir.handleRequest(req, repo);
		const status = core.getStatus(oo);
		return { status, body: res ?? oo, oo };
	};
	const p = ENGINE_TAIL.then(run, run);
	ENGINE_TAIL = p.catch(() => {});
	return p;
}

async function handleWrite(rq, rs, fhirPath) {
	const raw = await readBody(rq);
	if (!authorised(rq)) {
		send(rq, rs, 401, outcome('missing or wrong bearer token', 'login'));
		return;
	}
	const isTx = rq.method === 'POST' && (fhirPath === '' || fhirPath === '/');
	if (rq.method === 'POST' && !isTx) {
		reject(rq, rs, 404, 'POST a transaction Bundle to the base url');
		return;
	}
	if (rq.method === 'PUT' && !/^\/[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(fhirPath)) {
		reject(rq, rs, 404, 'unknown path');
		return;
	}
	let doc;
	try { doc = JSON.parse(raw.toString('utf8')); } catch (e) { doc = undefined; }
	trackMatches(rq, rs, doc);
	const fault = nextFault();
	if (faultAnswer(fault, rq, rs, doc)) return;
	if (doc === undefined) {
		reject(rq, rs, 400, 'body is not JSON');
		return;
	}
	let problem = '';
	if (isTx) {
		if (doc?.resourceType !== 'Bundle' || doc.type !== 'transaction') {
			reject(rq, rs, 400, 'not a transaction Bundle');
			return;
		}
		if (!Array.isArray(doc.entry) || !doc.entry.length) {
			reject(rq, rs, 400, 'empty transaction');
			return;
		}
		/* validateResource checks the entries' resources with the Bundle. */
		problem = invalid(doc);
		for (let i = 0; !problem && OPTS.checkAnswers && i < doc.entry.length; i++) {
			const r = doc.entry[i].resource;
			const p = r?.resourceType === 'QuestionnaireResponse' ? await answersProblem(r) : '';
			if (p) problem = 'entry ' + i + ': ' + p;
		}
	} else {
		problem = await checkResource(doc);
	}
	if (problem) {
		reject(rq, rs, 422, problem);
		return;
	}
	const r = await engine(rq.method, isTx ? '/' : fhirPath, doc);
	if (r.status >= 400) {
		STATE.rejected.push({ status: r.status, text: outcomeText(r.oo) });
		if (OPTS.verbose) console.error('fhir_server: engine answered ' + r.status + ': ' + outcomeText(r.oo));
		send(rq, rs, r.status, r.oo);
		return;
	}
	if (isTx) STATE.transactions++;
	finishFault(fault, rq, rs, r.status, r.body, doc);
}

async function handle(rq, rs) {
	const u = new URL(rq.url, 'https://127.0.0.1/');
	if (rq.method === 'GET' && u.pathname === '/_dump') {
		send(rq, rs, 200, dumpJson());
		return;
	}
	if (u.pathname !== '/fhir' && !u.pathname.startsWith('/fhir/')) {
		await readBody(rq);
		send(rq, rs, 404, outcome('no such resource', 'not-found'));
		return;
	}
	const fhirPath = u.pathname.slice('/fhir'.length);
	if (rq.method === 'PUT' || rq.method === 'POST') {
		const c = connOf(rq);
		if (!COUNTED.has(c)) {
			COUNTED.add(c);
			STATE.connections++;
			if (rq.stream) STATE.h2_connections++;
		}
		STATE.in_flight++;
		if (STATE.in_flight > STATE.max_in_flight) STATE.max_in_flight = STATE.in_flight;
		onAnswered(rq, rs, () => { STATE.in_flight--; });
		await handleWrite(rq, rs, fhirPath);
		return;
	}
	await readBody(rq);
	if (rq.method !== 'GET') {
		send(rq, rs, 405, outcome('method not allowed', 'not-supported'));
		return;
	}
	if (!authorised(rq)) {
		send(rq, rs, 401, outcome('missing or wrong bearer token', 'login'));
		return;
	}
	const r = await engine('GET', (fhirPath || '/') + u.search, undefined);
	send(rq, rs, r.status, r.body);
}

function main() {
	const tlsOpts = { cert: fs.readFileSync(OPTS.cert), key: fs.readFileSync(OPTS.key),
		allowHTTP1: true };
	if (OPTS.clientCa) {
		tlsOpts.ca = fs.readFileSync(OPTS.clientCa);
		tlsOpts.requestCert = true;
		tlsOpts.rejectUnauthorized = true;
	}
	const onRequest = (rq, rs) => {
		handle(rq, rs).catch(e => {
			console.error('fhir_server: ' + (e.stack || e));
			if (!rs.headersSent) send(rq, rs, 500, outcome(String(e.message), 'exception'));
		});
	};
	/* http2 offers h2 then http/1.1 by ALPN; --http1 only the latter. */
	const srv = OPTS.http1 ? require('https').createServer({ ...tlsOpts, ALPNProtocols: ['http/1.1'] }, onRequest)
		: http2.createSecureServer(tlsOpts, onRequest);
	srv.keepAliveTimeout = 120000;
	srv.headersTimeout = 125000;
	srv.requestTimeout = 0;
	srv.on('tlsClientError', (e) => {
		STATE.tls_failures++;
		if (OPTS.verbose) console.error('fhir_server: TLS handshake failed: ' + e.message);
	});
	srv.on('secureConnection', s => {
		s.setNoDelay(true);
		const port = s.remotePort;
		SOCKETS.set(port, s);
		s.on('close', () => { if (SOCKETS.get(port) === s) SOCKETS.delete(port); });
	});

	const writeDump = () => {
		if (!OPTS.dump) return;
		fs.writeFileSync(OPTS.dump + '.tmp', dumpJson());
		fs.renameSync(OPTS.dump + '.tmp', OPTS.dump);
	};
	const onTerm = () => {
		writeDump();
		process.exit(0);
	};
	process.on('SIGTERM', onTerm);
	process.on('SIGINT', onTerm);
	srv.listen(OPTS.port, '127.0.0.1', () => {
		if (OPTS.ready) fs.writeFileSync(OPTS.ready, String(process.pid));
	});
}

main();
