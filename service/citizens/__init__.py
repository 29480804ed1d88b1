"""Citizens, BIP measurements and progression, wishes and limits, with privacy by design."""
