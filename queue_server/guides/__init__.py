"""Service guides (办事指南): catalogue, import/export, pinyin search, lint, same-source diff, bundles and the
one-time notification slip.  Routes are in `queue_server.guides.routes`, subcommands in `queue_server.guides.cli`."""
