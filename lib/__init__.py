"""Plain Python helpers of the addon (no model): SQL for bulk writes, the
batch formatter, the snapshot the engine reads. Odoo addons keep such code in
a ``tools`` package; here ``tools/`` holds the developer tooling."""
