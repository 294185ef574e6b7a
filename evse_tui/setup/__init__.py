"""Getting a new home configured: the guided `configure`, device probes and network discovery."""
