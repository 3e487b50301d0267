"""gunicorn's configuration in the load benchmark: only a hook that says when a worker has loaded
the application (bench/load.py waits for every worker before the first request, so that the
client's keep-alive connections are spread over all of them). Everything that changes how
requests are served is on the command line, in bench/load.py."""


def post_worker_init(worker):
    worker.log.info("bench: worker %s ready", worker.pid)
