"""The patient's shoe: its sock-liner read from a file, registered on the foot, and the outline
the device is cut to inside it."""
