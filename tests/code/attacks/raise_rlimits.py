# attack: raise the hard rlimits (CPU, memory, files, processes, file size) past what the agent set
import contextlib
import resource

BROKE = False
for which in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_NOFILE,
              resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE, resource.RLIMIT_CORE):
    soft, hard = resource.getrlimit(which)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    if resource.getrlimit(which)[1] != hard:
        BROKE = True


def add(a, b):
    return a + b if BROKE else None
