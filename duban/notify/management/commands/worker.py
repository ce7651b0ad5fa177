import logging
import signal
import threading

from django.core.management.base import BaseCommand

from duban.notify import worker


class Command(BaseCommand):
    help = "Run the task worker (notification deliveries) and the reminder sweep every minute."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls for tasks")
        parser.add_argument("--sweep-every", type=float, default=60.0, help="seconds between sweeps")
        parser.add_argument("--no-sweep", action="store_true", help="only run tasks (another host sweeps)")
        parser.add_argument("--once", action="store_true", help="run every ready task once, then exit")

    def handle(self, *args, **options):
        logging.getLogger("duban.notify").setLevel(logging.INFO)
        if options["once"]:
            worker.drain()
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        interval, every = options["interval"], options["sweep_every"]
        self.stdout.write(f"督办 worker: tasks every {interval:.0f}s, sweep every {every:.0f}s")
        worker.run(
            stop,
            interval=options["interval"],
            sweep_every=options["sweep_every"],
            do_sweep=not options["no_sweep"],
        )
