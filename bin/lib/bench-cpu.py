#!/usr/bin/env python3
"""CPU accounting for bin/bench --cpu (Linux /proc; clock ticks turned into seconds).

  bench-cpu.py ticks PID [PID ...]   CPU seconds (user and system) used so far by each PID, its threads, its
                                     children still running and the children it has reaped (cutime/cstime):
                                     for the postmaster this covers every backend, also those that have exited.
                                     Prints "USER SYSTEM" summed over the PIDs; a PID that is gone counts 0.
  bench-cpu.py run CMD [ARG ...]     Runs CMD with its output passed through, then prints
                                     "bench-cpu children USER SYSTEM" on standard error (CMD's own CPU and its
                                     children's), and exits with CMD's exit status.
"""
import os
import resource
import subprocess
import sys

HZ = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (which may contain spaces), or None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def children_of(parents):
    """Every live process whose parent is in parents, recursively."""
    by_parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(entry)
            if fields is not None:
                by_parent.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], list(parents)
    while todo:
        for child in by_parent.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def ticks(pids):
    user = system = 0
    for pid in pids:
        fields = stat_fields(pid)
        if fields is None:
            continue
        # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        user += int(fields[11]) + int(fields[13])
        system += int(fields[12]) + int(fields[14])
    for pid in children_of(pids):
        fields = stat_fields(pid)
        if fields is not None:
            user += int(fields[11])
            system += int(fields[12])
    return user / HZ, system / HZ


def main(argv):
    if len(argv) >= 1 and argv[0] == "ticks":
        user, system = ticks([int(p) for p in argv[1:] if p])
        print(f"{user:.2f} {system:.2f}")
        return 0
    if len(argv) >= 2 and argv[0] == "run":
        status = subprocess.run(argv[1:]).returncode
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"bench-cpu children {usage.ru_utime:.3f} {usage.ru_stime:.3f}", file=sys.stderr)
        return status
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
