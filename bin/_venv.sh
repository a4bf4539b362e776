# shellcheck shell=bash
# Sourced by bin/test and bin/ourmoney: make sure .venv exists and has the
# project installed (editable). Not meant to be run on its own.
#
#   ourmoney_venv "[dev]"   # project + dev extras (tests)
#   ourmoney_venv ""        # project only (running the app)
#
# The install is skipped when pyproject.toml, the requested extras and the
# Python version are unchanged since the last successful install; the stamp
# lives in .venv/.ourmoney-install-<extras>. A stamp for "[dev]" also
# satisfies a request for "" (dev is a superset).

OURMONEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OURMONEY_VENV="$OURMONEY_ROOT/.venv"

_ourmoney_log() { printf '%s\n' "$*" >&2; }

_ourmoney_stamp_value() {
    # $1 = extras spec; prints the value a stamp must hold to be current.
    local py_version
    py_version="$("$OURMONEY_VENV/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)" || return 1
    printf '%s\n%s\n%s\n' "$1" "$py_version" \
        "$(sha256sum "$OURMONEY_ROOT/pyproject.toml" | cut -d' ' -f1)" | sha256sum | cut -d' ' -f1
}

_ourmoney_stamp_file() {
    case "$1" in
        "") printf '%s/.ourmoney-install-base\n' "$OURMONEY_VENV" ;;
        *) printf '%s/.ourmoney-install-%s\n' "$OURMONEY_VENV" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9_-' '_')" ;;
    esac
}

_ourmoney_stamp_current() {
    local spec="$1" file
    file="$(_ourmoney_stamp_file "$spec")"
    [ -f "$file" ] && [ "$(cat "$file")" = "$(_ourmoney_stamp_value "$spec")" ]
}

ourmoney_venv() {
    local extras="${1-}" log

    # A venv that cannot start its interpreter (moved, or Python upgraded
    # underneath it) is rebuilt from scratch.
    if [ -d "$OURMONEY_VENV" ] && ! "$OURMONEY_VENV/bin/python" -c '' >/dev/null 2>&1; then
        _ourmoney_log "bin: .venv is broken; recreating it"
        rm -rf "$OURMONEY_VENV"
    fi

    if [ ! -x "$OURMONEY_VENV/bin/python" ]; then
        if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            _ourmoney_log "bin: python3 >= 3.11 is required (found: $(python3 --version 2>&1 || echo none))"
            return 1
        fi
        _ourmoney_log "bin: creating .venv"
        python3 -m venv "$OURMONEY_VENV" || { _ourmoney_log "bin: python3 -m venv failed"; return 1; }
    fi

    if _ourmoney_stamp_current "$extras" || { [ -z "$extras" ] && _ourmoney_stamp_current "[dev]"; }; then
        return 0
    fi

    _ourmoney_log "bin: installing ourmoney${extras} into .venv (pyproject.toml changed or first run)"
    log="$(mktemp)"
    if ! (cd "$OURMONEY_ROOT" && PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
            "$OURMONEY_VENV/bin/python" -m pip install -q -e ".${extras}") >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        _ourmoney_log "bin: pip install -e \".${extras}\" failed"
        return 1
    fi
    rm -f "$log"
    _ourmoney_stamp_value "$extras" >"$(_ourmoney_stamp_file "$extras")"
}
