"""`runserver` for the embedded default: WhiteNoise serves the static files (as in
production) and the listening socket queues as many connections as a busy page opens.

Django's development server queues at most 10 connections that wait to be accepted; a
browser that autosaves a page of answers, or a room of people casting ballots at once,
opens more, and the rest were reset — a save lost to the network, not to the database.
"""

from django.core.servers.basehttp import WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhiteNoiseRunserver,
)


class EmbeddedWSGIServer(WSGIServer):
    request_queue_size = 128


class Command(WhiteNoiseRunserver):
    server_cls = EmbeddedWSGIServer
