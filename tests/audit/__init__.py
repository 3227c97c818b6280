"""The audit trail: its tamper-evident chain and `mend audit verify`."""
