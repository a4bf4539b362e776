"""Process-wide settings of the SQLite library, made once when an `ourmoney` process starts.

SQLite keeps memory statistics by default, which takes a global lock on every allocation it
makes: about 8% of the CPU of a long sync here. SQLite's own advice is to build it without
them (SQLITE_DEFAULT_MEMSTATUS=0), but OurMoney uses the SQLite that Python was built
with, so it turns them off through `sqlite3_config`, which the standard `sqlite3` module does
not offer. That call is only allowed while the library is shut down, hence `sqlite3_shutdown`
first: safe only before any connection is open, so only a process's entry point calls this.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9
SQLITE_STATUS_MEMORY_USED = 0
# The names under which the library Python's sqlite3 module uses is already loaded.
LIBRARY_NAMES = {"linux": ("libsqlite3.so.0",), "darwin": ("libsqlite3.dylib",),
                 "win32": ("sqlite3.dll", "sqlite3")}


def loaded_library() -> ctypes.CDLL | None:
    """Return the SQLite library this process's sqlite3 module uses, or None if not found."""
    for name in LIBRARY_NAMES.get(sys.platform, ()):
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        library.sqlite3_libversion.restype = ctypes.c_char_p
        if library.sqlite3_libversion().decode() == sqlite3.sqlite_version:
            return library
    return None


def turn_off_memory_statistics() -> bool:
    """Turn off SQLite's memory statistics for this process; return whether it worked.

    Call it before any SQLite connection is open (a process's entry point): shutting the
    library down under an open connection would break that connection.
    """
    library = loaded_library()
    if library is None:
        return False
    if library.sqlite3_shutdown() != SQLITE_OK:
        return False
    done = library.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == SQLITE_OK
    started = library.sqlite3_initialize() == SQLITE_OK
    return bool(done and started)


def memory_in_use(library: ctypes.CDLL) -> int:
    """Return the bytes SQLite says it holds now (always 0 with its statistics off)."""
    current, highest = ctypes.c_int64(0), ctypes.c_int64(0)
    library.sqlite3_status64(SQLITE_STATUS_MEMORY_USED, ctypes.byref(current),
                             ctypes.byref(highest), 0)
    return int(current.value)
