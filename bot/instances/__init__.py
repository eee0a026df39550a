"""Several bot instances on one database: leases, once-per-period jobs, values generated once."""
