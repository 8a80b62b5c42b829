// Tandem's runtime interface client for Node.js Lambda handlers (no dependencies, Node 18 or later).
//
// Run as `node bootstrap.mjs file.export` (or with _HANDLER set) by a `lambda` instance, which sets
// AWS_LAMBDA_RUNTIME_API: it loads the handler once (CommonJS or ES module, found in LAMBDA_TASK_ROOT as Lambda finds
// it), then asks the Runtime API for one event at a time, calls the handler (async, or with a callback) and posts the
// JSON result, or the error in the shape Lambda's Node.js runtime gives it (errorType, errorMessage, trace). A handler
// that cannot be loaded is posted to init/error and ends the process, as on Lambda.
//
// One event at a time on Node's single thread; every Runtime API call uses a connection of its own, so between
// events the client holds nothing that keeps the event loop alive (see invoke).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const API_VERSION = '/2018-06-01/runtime';
const [apiHost, apiPort] = splitAddress(process.env.AWS_LAMBDA_RUNTIME_API);
const noKeepAlive = new http.Agent({ keepAlive: false });

function splitAddress(address) {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** One Runtime API request; resolves with the status, headers and body as a Buffer. */
function call(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: apiHost, port: apiPort, method, path: API_VERSION + urlPath, agent: noKeepAlive,
      headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function postError(urlPath, document) {
  return call('POST', urlPath, JSON.stringify(document),
    { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': document.errorType });
}

/** A failure that carries Lambda's error type, such as Runtime.ImportModuleError. */
class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    this.original = cause;
  }
}

function errorDocument(error) {
  if (error instanceof Error) {
    const trace = (error.original ?? error).stack;
    return { errorType: error.name, errorMessage: error.message, trace: trace ? String(trace).split('\n') : [] };
  }
  // Lambda reports a thrown or rejected non-Error by its JSON, with a type that says so.
  let message;
  try {
    message = JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { errorType: typeof error === 'string' ? 'string' : 'object', errorMessage: message, trace: [] };
}

// --- logging: console output carries the time, the request and the level, a line per call, as on Lambda ---

let currentRequestId;

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', debug: 'DEBUG', warn: 'WARN', error: 'ERROR', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    const stream = level === 'WARN' || level === 'ERROR' || level === 'TRACE' ? process.stderr : process.stdout;
    console[method] = (...args) => {
      let text = util.format(...args);
      if (method === 'trace') text += '\n' + new Error().stack.split('\n').slice(2).join('\n');
      stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${text}\n`);
    };
  }
}

// --- loading the handler ---

/** handler 'dir/file.export.nested': the module 'dir/file' in the task root, then the exported path. */
function splitHandler(handler) {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  if (!handler || dot <= slash + 1 || dot === handler.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handler}: expected file.export, such as index.handler`);
  }
  return [handler.slice(0, dot), handler.slice(dot + 1).split('.')];
}

function moduleFile(taskRoot, name) {
  const base = path.resolve(taskRoot, name);
  for (const extension of ['.js', '.mjs', '.cjs']) {
    if (fs.existsSync(base + extension)) return base + extension;
  }
  return null;
}

/** Whether a .js file is an ES module: the nearest package.json above it says "type": "module". */
function isEsm(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

async function loadModule(taskRoot, name) {
  const file = moduleFile(taskRoot, name);
  const require = createRequire(path.join(taskRoot, 'index.js'));
  try {
    if (file === null) return require(name); // a package in the code's node_modules, as Lambda also tries
    return isEsm(file) ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`, error);
    if (error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${name}' in ${taskRoot}: ${error.message}`, error);
    }
    throw error;
  }
}

async function loadHandler(taskRoot, handler) {
  const [name, exportPath] = splitHandler(handler);
  const module = await loadModule(taskRoot, name);
  let target = module;
  for (const key of exportPath) target = target?.[key];
  if (typeof target !== 'function' && module?.default && exportPath.length === 1) target = module.default[exportPath[0]];
  if (typeof target !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${name}.${exportPath.join('.')} is undefined or not exported`);
  }
  return target;
}

// --- serving events ---

function context(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] ?? 0);
  const clientContext = headers['lambda-runtime-client-context'];
  const identity = headers['lambda-runtime-cognito-identity'];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: identity ? JSON.parse(identity) : undefined,
    clientContext: clientContext ? JSON.parse(clientContext) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/**
 * Runs the handler to its result: the promise an async handler returns, or what it passes to its callback (or to
 * context.succeed, fail or done). A handler that does neither answers null once the event loop has nothing left to
 * run, as on Lambda. Unlike Lambda, a callback's answer is posted at once, without waiting for that moment.
 */
function invoke(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      process.removeListener('beforeExit', idle);
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const idle = () => callback(null, null);
    ctx.done = callback;
    ctx.succeed = (result) => callback(null, result);
    ctx.fail = (error) => callback(error ?? 'handled');
    let returned;
    try {
      returned = handler(event, ctx, callback);
    } catch (error) {
      callback(error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then((result) => callback(null, result), (error) => callback(error ?? new Error('the handler rejected without a reason')));
    } else if (!settled) {
      process.once('beforeExit', idle);
    }
  });
}

function parseEvent(body) {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RuntimeError('Runtime.UnmarshalError', `Unable to unmarshal input: ${error.message}`, error);
  }
}

function serialize(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    throw new RuntimeError('Runtime.MarshalError', `Unable to stringify response body: ${error.message}`, error);
  }
}

function logError(document) {
  console.error(`${document.errorType}: ${document.errorMessage}${document.trace.length ? '\n' + document.trace.join('\n') : ''}`);
}

/** A failure outside any handler call's promise (a stray throw or rejection): report it for the current event and end. */
function fatal(error, type) {
  const document = errorDocument(error);
  if (type) document.errorType = type;
  logError(document);
  const requestId = currentRequestId;
  const report = requestId ? postError(`/invocation/${requestId}/error`, document) : postError('/init/error', document);
  report.catch(() => {}).finally(() => process.exit(129));
}

async function serve(handler) {
  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) throw new Error(`invocation/next answered ${next.status}: ${next.body}`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    const traceId = next.headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    currentRequestId = requestId;
    let body;
    try {
      body = serialize(await invoke(handler, parseEvent(next.body), context(next.headers)));
    } catch (error) {
      const document = errorDocument(error);
      logError(document);
      await postError(`/invocation/${requestId}/error`, document);
      continue;
    } finally {
      currentRequestId = undefined;
    }
    await call('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
  }
}

async function main() {
  patchConsole();
  process.on('uncaughtException', (error) => fatal(error));
  process.on('unhandledRejection', (reason) => fatal(reason, 'Runtime.UnhandledPromiseRejection'));
  const handlerName = process.argv[2] || process.env._HANDLER || '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(taskRoot, handlerName);
  } catch (error) {
    const document = errorDocument(error);
    logError(document);
    await postError('/init/error', document).catch(() => {});
    process.exit(1);
  }
  await serve(handler);
}

main().catch((error) => {
  console.error(`tandem lambda client: ${error?.stack ?? error}`);
  process.exit(1);
});
