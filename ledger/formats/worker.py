"""Large files read and validated by a forked worker process, so that parsing and
validating overlap with the parent's hashing and writing (Linux and macOS: it forks)."""

import array
import collections
import contextlib
import multiprocessing
import pickle

from ..journal import attribution_json
from ..records import entry_of
from .base import Item, checked

try:  # what the worker asks of a pipe is Linux's; elsewhere it only knows less
    import fcntl
    import termios
except ImportError:
    fcntl = termios = None


class CheckedInWorker:
    """Checked items of the file at `path`, read by `read` (a format's reader) and validated by a forked child process,
    so that parsing and validating overlap with the parent's hashing and writing. The child
    also writes the payload of each record's attribution entry, recorded at `recorded_at`:
    the parent must import them with that same time.

    `position` is how many bytes of the file the child had read when it made the batch
    last received. If the parent dies, the child's next send (at the latest once AHEAD
    bytes wait) fails on the closed pipe and it exits."""

    BATCH = 500  # items sent at a time
    AHEAD = 16 << 20  # bytes of batches that may wait in the worker for room in the pipe

    def __init__(self, path, read, recorded_at):
        self.path, self.read, self.recorded_at, self.position = path, read, recorded_at, 0

    def __iter__(self):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        _pipe_size(sender, widen_to=PIPE_SIZE)
        child = context.Process(target=self._check, args=(receiver, sender), daemon=True)
        child.start()
        sender.close()
        try:
            while (message := receiver.recv()) is not None:
                if isinstance(message, BaseException):
                    raise message
                batch, self.position = message
                yield from map(_unpacked, batch)
        finally:
            receiver.close()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()

    def _check(self, receiver, sender):
        receiver.close()  # else this process would hold the pipe open for itself once the parent dies
        outbox = _Outbox(sender, self.AHEAD)
        try:
            with open(self.path, "rb") as stream:
                batch = []
                for item in checked(self.read(stream)):
                    if item.record is not None:
                        entry = entry_of("attribution", item.record, self.recorded_at)
                        item.payload = attribution_json(entry).encode()
                    batch.append(_packed(item))
                    if len(batch) >= self.BATCH:
                        outbox.put((batch, stream.tell()))
                        batch = []
                outbox.put((batch, stream.tell()))
            outbox.put(None)
            outbox.send_all()
        except BrokenPipeError:
            pass  # the parent has gone: nobody to tell
        except Exception as error:  # the parent raises it
            outbox.put(error)
            outbox.send_all()


class _Outbox:
    """Messages for the parent, each sent once the pipe has room for all of it, or once
    more than `ahead` bytes wait (batches of long quotes may be larger than the pipe):
    meanwhile the worker goes on reading. The parent takes items unevenly (it
    stops at each batch it hands to its writing thread), and a worker blocked on a full
    pipe would then fall behind. (A sending thread of its own was slower: it waited for
    Python's lock at each message.)"""

    def __init__(self, sender, ahead):
        self.sender, self.ahead, self.waiting, self.waiting_bytes = sender, ahead, collections.deque(), 0
        self.capacity = _pipe_size(sender)
        self.held = array.array("i", [0])

    def put(self, message):
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        self.waiting.append(data)
        self.waiting_bytes += len(data)
        while self.waiting and (self.waiting_bytes > self.ahead or self._room_for(self.waiting[0])):
            self._send_next()

    def send_all(self):
        while self.waiting:
            self._send_next()

    def _send_next(self):
        data = self.waiting.popleft()
        self.waiting_bytes -= len(data)
        self.sender.send_bytes(data)

    def _room_for(self, data):
        if self.capacity is None:
            return True
        fcntl.ioctl(self.sender.fileno(), termios.FIONREAD, self.held)  # bytes in the pipe (Linux)
        return self.held[0] + 4 + len(data) <= self.capacity  # 4: the length send_bytes writes first


# With a pipe's default 64 KiB, the worker could only ever be one batch ahead of the parent,
# and the parent waited for it; 1 MiB is Linux's largest without privilege.
PIPE_SIZE = 1 << 20


def _pipe_size(connection, widen_to=None):
    """How many bytes the pipe holds, after widening it to `widen_to` where allowed; None
    where it cannot be known (outside Linux)."""
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        return None
    if widen_to:
        with contextlib.suppress(OSError):  # over this user's share of pipe memory: only slower
            fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, widen_to)
    try:
        return fcntl.fcntl(connection.fileno(), fcntl.F_GETPIPE_SZ)
    except OSError:
        return None


# A checked record goes from the worker to the parent as a tuple (line, record, payload): that
# unpickles twice as fast as an Item, and the parent spends its time on the chain and the
# projections.
def _packed(item):
    if item.record is None or item.problems or item.fact_checker:
        return item
    return item.line, item.record, item.payload


def _unpacked(message):
    if isinstance(message, Item):
        return message
    line, record, payload = message
    return Item(line, record, [], False, True, payload)  # positional: sooner than by keyword
