"""Small things more than one app's tests use."""


class Out:
    """Stands in for a management command's stdout: keeps each write as a line."""

    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def json_status(client, url, data) -> int:
    """The status code an API client gets for posting data as JSON."""
    return client.post(url, data, format="json").status_code


#: What a read of personal data adds to a request's queries (`portal.access_log`): the entry's one
#: INSERT, which a test's transaction wraps in a savepoint (SAVEPOINT, INSERT, RELEASE), and the
#: record type's content type the first time it is met. A constant, never a query per row.
ACCESS_LOG_QUERIES = 4
