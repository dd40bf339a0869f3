"""A server that hangs: accepts connections on 127.0.0.1 and never answers, as a mail
server or webhook can. Used by the delivery-fault tests, in process and with a real worker."""

import socket
import threading


class HungServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word, as a mail
    server or webhook that hangs. It serves from a thread and holds what it accepts (at
    most `limit` connections) until stopped."""

    def __init__(self, limit: int = 16):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.limit = limit
        self.accepted: list[socket.socket] = []
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="hung-server", daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stopping.is_set():
            try:
                accepted, _address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if len(self.accepted) >= self.limit:
                accepted.close()
            else:
                self.accepted.append(accepted)

    def stop(self):
        self._stopping.set()
        self.thread.join(5)
        for accepted in self.accepted:
            accepted.close()
        self.socket.close()
