// The Python half of the runtime, installed into every interpreter at start: one module namespace per
// script (compiled once per cache key), the calling conventions of ABI v1, JSON envelopes, the ast-based
// script check, the bds_api transport module and the Python-level hardening.
// Kept as TypeScript strings so that the compiled `dist/` carries them without a copy step.

/** Frames from this file are removed from tracebacks shown to script authors. */
export const RUNTIME_FILENAME = '<bds-runtime>';

/** The runtime's module while the interpreter is set up; removed from sys.modules by `_bds_setup`. */
export const RUNTIME_MODULE = '_bds_runtime';

/** Every failure envelope for the watchdog's KeyboardInterrupt starts with this text. */
export const INTERRUPTED_ENVELOPE_PREFIX = '{"ok":false,"error":{"type":"KeyboardInterrupt"';

/**
 * What `run` answers, having run nothing, when given no source for a script it has not compiled: the
 * engine sends a script's source once, not with every call (see PyodideEngine.run).
 */
export const SOURCE_NEEDED = '{"ok":false,"sourceNeeded":true}';

/** Modules a script may not import (checked before Python's own finders). */
export const BLOCKED_MODULES = ['pyodide_js', 'ctypes', '_ctypes'] as const;

/**
 * Imported right after loading, before a memory snapshot is made: pure Python state, so starts from
 * the snapshot find them ready. Only modules of the standard library; nothing of bds.
 */
export const PRELOADED_MODULES =
  'import ast, asyncio, builtins, inspect, json, math, posix, os, sys, traceback, types';

/** The module generated Python code (bds_api) imports to call the host: `call(method, args)`. */
export const HOST_MODULE_NAME = '_bds_host';

/** Source of the `_bds_host` module: the synchronous transport under the generated `bds_api`. */
export const HOST_MODULE_SOURCE = String.raw`
"""Synchronous calls from Python to the bds host. bds_api is built on call()."""
import json as _json
import sys as _sys


class BdsApiError(Exception):
    """A bds_api call was refused or failed on the host; code is stable, message is for people."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


_transport = None


def call(method, args=None):
    """Call host method 'namespace.method' with keyword arguments (a dict); return its JSON result."""
    if _transport is None:
        raise BdsApiError("api-unavailable", "this runtime has no connection to the bds host")
    if args is None:
        args = {}
    payload = _json.dumps(args, allow_nan=False, separators=(",", ":"))
    for stream in (_sys.stdout, _sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    answer = _json.loads(_transport(method, payload))
    if answer.get("ok"):
        return answer.get("result")
    error = answer.get("error") or {}
    code = error.get("code", "api-error")
    if code == "interrupted":
        raise KeyboardInterrupt
    raise BdsApiError(code, error.get("message", ""))
`;

/** Source of the runtime module; `_bds_setup()` at its end returns the functions the engine calls. */
export const RUNTIME_SOURCE = String.raw`
import ast
import builtins
import inspect
import json
import math
import sys
import traceback
import types

_RUNTIME_FILE = ${JSON.stringify(RUNTIME_FILENAME)}
_SOURCE_NEEDED = ${JSON.stringify(SOURCE_NEEDED)}
_MAX_SCRIPTS = 256
_MAX_TRACEBACK = 20000
_MAX_EXTRA_ERRORS = 20
_BLOCKED = frozenset(${JSON.stringify(BLOCKED_MODULES)})

# script id -> (version, module); insertion order is the eviction order.
_scripts = {}
_stdout0 = sys.stdout
_stderr0 = sys.stderr


def _split_key(cache_key):
    script_id, sep, version = cache_key.rpartition(":")
    return (script_id, version) if sep else (cache_key, "")


# One encoder for every call: json.dumps with options builds a new one each time, which costs more
# than encoding a macro's result.
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _restore_streams():
    for stream in (sys.stdout, sys.stderr, _stdout0, _stderr0):
        try:
            stream.flush()
        except Exception:
            pass
    sys.stdout = _stdout0
    sys.stderr = _stderr0


def _takes_one_positional(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    count = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return False
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
    return count == 1


def _field(path, key):
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def _find_unjsonable(value, path, depth=0):
    if depth > 500:
        return path, "is nested too deeply"
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, f"is {value!r}, which JSON cannot hold")
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _find_unjsonable(item, f"{path}[{i}]", depth + 1)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                return path, f"has a key of type {type(key).__name__}; JSON keys are strings"
            found = _find_unjsonable(item, _field(path, key), depth + 1)
            if found:
                return found
        return None
    return path, f"is a {type(value).__name__}, which is not JSON (use str, int, float, bool, None, list or dict)"


def _success(value, cached):
    try:
        return '{"ok":true,"value":' + _dumps(value) + (',"cached":true}' if cached else ',"cached":false}')
    except (TypeError, ValueError, RecursionError) as e:
        found = _find_unjsonable(value, "result") or ("result", str(e))
        return _dumps({
            "ok": False,
            "error": {
                "type": "InvalidResult",
                "message": f"{found[0]} {found[1]}",
                "field": found[0],
                "phase": "call",
            },
        })


def _failure(e, filename, phase):
    if isinstance(e, KeyboardInterrupt):
        return _dumps({"ok": False, "error": {"type": "KeyboardInterrupt", "message": "KeyboardInterrupt", "interrupted": True, "phase": phase}})
    info = {"type": type(e).__name__, "phase": phase}
    try:
        if isinstance(e, SystemExit):
            info["message"] = f"SystemExit: the script called sys.exit({e.code!r})"
        else:
            info["message"] = traceback.format_exception_only(e)[-1].strip()
        tbe = traceback.TracebackException.from_exception(e)
        tbe.stack = traceback.StackSummary.from_list([f for f in tbe.stack if f.filename != _RUNTIME_FILE])
        text = "".join(tbe.format())
        info["traceback"] = text if len(text) <= _MAX_TRACEBACK else "...\n" + text[-_MAX_TRACEBACK:]
        for frame in tbe.stack:
            if frame.filename == filename and frame.lineno:
                info["line"] = frame.lineno
                info["column"] = (frame.colno or 0) + 1
        if isinstance(e, SyntaxError) and e.filename == filename and e.lineno:
            info.update(_syntax_problem(e))
            info.pop("message", None)
            info["message"] = f"{type(e).__name__}: {e.msg}"
    except BaseException:
        info.setdefault("message", type(e).__name__)
    return _dumps({"ok": False, "error": info})


def _entrypoint_failure(entrypoint, module, filename):
    names = sorted(n for n, v in module.__dict__.items() if isinstance(v, types.FunctionType) and not n.startswith("_"))
    found = ", ".join(names) if names else "none"
    return _dumps({
        "ok": False,
        "error": {
            "type": "EntrypointError",
            "message": f"the script defines no function {entrypoint}() (top-level functions: {found})",
            "phase": "call",
        },
    })


async def _finish_async(awaitable, filename, cached, kept):
    try:
        value = await awaitable
    except BaseException as e:
        _restore_streams()
        return _failure(e, filename, "call")
    _restore_streams()
    if value is None and kept is not None:
        value = kept
    return _success(value, cached)


def _module(cache_key, source, filename, line_offset, at):
    """The script's module and whether it was held, compiled once per cache key (None: send the source).

    at[0] says how far it got ("compile", then "load" while the script's top level runs).
    """
    script_id, version = _split_key(cache_key)
    entry = _scripts.get(script_id)
    if entry is not None and entry[0] == version:
        return entry[1], True
    if source is None:
        return None, False
    _scripts.pop(script_id, None)
    code = compile("\n" * line_offset + source, filename, "exec", dont_inherit=True)
    at[0] = "load"
    module = types.ModuleType("bds_script")
    module.__file__ = filename
    # A copy, so that assigning into __builtins__ cannot reach another script.
    module.__dict__["__builtins__"] = dict(builtins.__dict__)
    exec(code, module.__dict__)
    while len(_scripts) >= _MAX_SCRIPTS:
        _scripts.pop(next(iter(_scripts)))
    _scripts[script_id] = (version, module)
    return module, False


_ASYNC_IN_BATCH = '{"ok":false,"awaitable":true}'


def run_macros(items_json, sources, content, tick):
    """Macro calls one after another, for a build: a JSON list with each call's envelope, in order.

    items_json: a JSON list of [cache_key, entrypoint, filename, line_offset, args, start, end], args the
    call's [context, post]; a post whose body is in content (UTF-8 bytes of every long body, end to end)
    has it from start to end there. sources: {cache_key: source} for scripts Python may not hold yet.
    tick(i) tells the host's watchdog that call i starts (each call has its own time limit). A call to an
    async entrypoint is not awaited here: its envelope says so, and the engine makes that call alone.
    The watchdog's KeyboardInterrupt ends the whole batch with the interrupted envelope.
    """
    data = content.to_bytes() if content is not None else b""
    content = None
    sources = sources.to_py() if sources is not None else {}
    items = json.loads(items_json)
    out = []
    held = {}
    try:
        for i, (cache_key, entrypoint, filename, line_offset, args, start, end) in enumerate(items):
            tick(i)
            at = ["compile"]
            try:
                known = held.get(cache_key)
                if known is None:
                    module, cached = _module(cache_key, sources.get(cache_key), filename, line_offset, at)
                    if module is None:
                        out.append(_SOURCE_NEEDED)
                        continue
                    held[cache_key] = module
                else:
                    module, cached = known, True
                at[0] = "call"
                fn = module.__dict__.get(entrypoint)
                if not callable(fn):
                    out.append(_entrypoint_failure(entrypoint, module, filename))
                    continue
                if start >= 0:
                    args[1]["content"] = data[start:end].decode("utf-8")
                value = fn(*args)
                if type(value) is not str and inspect.isawaitable(value):
                    if hasattr(value, "close"):
                        value.close()
                    out.append(_ASYNC_IN_BATCH)
                    continue
                out.append(_success(value, cached))
            except KeyboardInterrupt as e:
                return _failure(e, filename, at[0])
            except BaseException as e:
                out.append(_failure(e, filename, at[0]))
            # A script that replaced a stream gets the runner's back before the next one runs; what
            # they wrote is flushed once, at the end.
            if sys.stdout is not _stdout0 or sys.stderr is not _stderr0:
                _restore_streams()
    finally:
        _restore_streams()
    return "[" + ",".join(out) + "]"


def run(kind, cache_key, source, entrypoint, args_json, filename, line_offset, content=None):
    # content: a macro's post body as UTF-8 bytes in a JS Uint8Array, its place in the post left empty
    # in args_json (the engine sends long bodies so: cheaper than as a string, and no JSON to scan).
    if content is not None:
        # The proxy goes at once: nothing the script can reach (a frame's locals) refers to JS.
        content = content.to_bytes().decode("utf-8")
    at = ["compile"]
    try:
        if kind == "check":
            return check(source, filename, line_offset)
        module, cached = _module(cache_key, source, filename, line_offset, at)
        if module is None:
            return _SOURCE_NEEDED
        at[0] = "call"
        fn = module.__dict__.get(entrypoint)
        if not callable(fn):
            return _entrypoint_failure(entrypoint, module, filename)
        args = json.loads(args_json)
        if content is not None:
            args[1]["content"] = content
        if kind == "transform" and len(args) > 1 and _takes_one_positional(fn):
            args = args[:1]
        # A transform that returns None keeps the post it was given, with its in-place changes.
        kept = args[0] if kind == "transform" and args else None
        value = fn(*args)
        if inspect.isawaitable(value):
            return _finish_async(value, filename, cached, kept)
        if value is None and kept is not None:
            value = kept
        return _success(value, cached)
    except BaseException as e:
        return _failure(e, filename, at[0])
    finally:
        _restore_streams()


# ---- syntax check ----

def _syntax_problem(e):
    problem = {"line": e.lineno or 1, "column": e.offset if e.offset and e.offset > 0 else 1, "message": e.msg}
    if getattr(e, "end_lineno", None) and e.end_lineno > 0:
        problem["endLine"] = e.end_lineno
        if getattr(e, "end_offset", None) and e.end_offset > 0:
            problem["endColumn"] = e.end_offset
    return problem


_CONTINUES = ("else", "elif", "except", "finally")


def _scan(line, triple):
    """Track triple-quoted strings across one line (comments and one-line strings skipped)."""
    i, n = 0, len(line)
    quote = None
    while i < n:
        c = line[i]
        if triple:
            if line.startswith(triple, i):
                triple = None
                i += 3
                continue
            i += 2 if c == "\\" else 1
            continue
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
            continue
        if c == "#":
            break
        if c in "\"'":
            if line.startswith(c * 3, i):
                triple = c * 3
                i += 3
                continue
            quote = c
        i += 1
    return triple


def _top_level_starts(lines):
    # Bracket depth is not tracked on purpose: an unclosed bracket would hide every later block.
    starts = []
    triple = None
    continued = False
    for i, line in enumerate(lines):
        text = line.rstrip("\r")
        if triple is None and not continued and text and text[0] not in " \t#)]}":
            word = text.split(None, 1)[0].rstrip(":")
            after_decorator = starts and lines[starts[-1]].startswith("@")
            if word not in _CONTINUES and not after_decorator:
                starts.append(i)
        triple = _scan(text, triple)
        continued = text.endswith("\\")
    return starts


def _further_errors(text, first, filename):
    """Blank the top-level block holding each error and parse again, to report errors in other blocks."""
    lines = text.split("\n")
    found = []
    err = first
    for _ in range(_MAX_EXTRA_ERRORS):
        if not err.lineno:
            break
        index = err.lineno - 1
        starts = _top_level_starts(lines)
        start = max((s for s in starts if s <= index), default=0)
        end = min((s for s in starts if s > index), default=len(lines))
        for i in range(start, min(end, len(lines))):
            lines[i] = ""
        try:
            return found, ast.parse("\n".join(lines), filename)
        except (SyntaxError, ValueError) as e:
            if not isinstance(e, SyntaxError) or not e.lineno or e.lineno - 1 < end:
                break
            found.append(_syntax_problem(e))
            err = e
    return found, None


def _functions(tree):
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            params = [p.arg for p in a.posonlyargs + a.args]
            if a.vararg:
                params.append("*" + a.vararg.arg)
            params += [p.arg for p in a.kwonlyargs]
            if a.kwarg:
                params.append("**" + a.kwarg.arg)
            out.append({"name": node.name, "params": params, "isAsync": isinstance(node, ast.AsyncFunctionDef), "line": node.lineno})
    return out


def check(source, filename, line_offset):
    text = "\n" * line_offset + source
    errors = []
    functions = []
    try:
        tree = ast.parse(text, filename)
    except (SyntaxError, ValueError) as e:
        if isinstance(e, SyntaxError):
            errors.append(_syntax_problem(e))
            more, tree = _further_errors(text, e, filename)
            errors.extend(more)
        else:
            errors.append({"line": 1, "column": 1, "message": str(e)})
            tree = None
        if tree is not None:
            functions = _functions(tree)
    else:
        functions = _functions(tree)
        try:
            compile(tree, filename, "exec", dont_inherit=True)
        except SyntaxError as e:
            errors.append(_syntax_problem(e))
    return _dumps({"ok": True, "value": {"ok": not errors, "errors": errors, "functions": functions}, "cached": False})


# ---- set-up: host transport, extra modules, hardening ----

def _no_processes(*args, **kwargs):
    raise PermissionError("bds scripts cannot start programs")


class _ImportBlocker:
    """Refuses modules that reach outside the interpreter; first on sys.meta_path."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in _BLOCKED:
            raise ImportError(f"module {fullname!r} is not available to bds scripts", name=fullname)
        return None


def _harden():
    import os
    import posix

    for name in (
        "system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execle", "execlp", "execlpe",
        "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp",
        "spawnvpe", "posix_spawn", "posix_spawnp",
    ):
        for mod in (os, posix):
            if hasattr(mod, name):
                setattr(mod, name, _no_processes)
    for name in list(sys.modules):
        if name.partition(".")[0] in _BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, _ImportBlocker())


def _install_module(name, source):
    module = types.ModuleType(name)
    module.__file__ = f"<bds {name}>"
    exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)
    sys.modules[name] = module
    return module


def _bds_setup(host_source, transport, prelude_json):
    global _stdout0, _stderr0
    # The streams as configured by the host (after a snapshot start they are set up anew).
    _stdout0 = sys.stdout
    _stderr0 = sys.stderr
    sys.modules.pop(${JSON.stringify(RUNTIME_MODULE)}, None)
    host = _install_module(${JSON.stringify(HOST_MODULE_NAME)}, host_source)
    host._transport = transport
    _harden()
    for name, source in json.loads(prelude_json).items():
        _install_module(name, source)
    return {"run": run, "run_macros": run_macros, "version": sys.version.split()[0]}
`;
