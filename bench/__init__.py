"""The benchmark suite: the engine and the HTTP API measured against bare SQL on this machine."""
