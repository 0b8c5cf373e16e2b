"""Boot entry: one wake cycle, then deep sleep. Host: micropython main.py NODE_DIR."""

import sys

# Hold a contiguous block while the modules load (loading leaves small holes), then free it
# for the big long-lived buffers (MQTT message buffer, inflater window).
_hole = bytearray(12 * 1024)
import wake  # noqa: E402

del _hole
wake.main(sys.argv)
