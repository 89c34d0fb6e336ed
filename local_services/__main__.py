"""python -m local_services {start,stop,status} [neo4j] [redis] [worker] [simulator]
[--record FILE | --only-recorded FILE]"""

from local_services.cli import main

raise SystemExit(main())
