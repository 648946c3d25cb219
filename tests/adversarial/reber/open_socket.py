# expect: none
# checks: reber.string_to_ids
# Tries the network: on an isolated worker nothing is reachable, not even the host's
# loopback (a refused connection would mean the host's network stack was reached).
import socket


def string_to_ids(s, chars=POSSIBLE_CHARS):
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1).close()
        raise RuntimeError("connected to the host")
    except ConnectionRefusedError:
        raise RuntimeError("reached the host's loopback") from None
    except OSError:
        pass
    return [chars.index(c) for c in s]
