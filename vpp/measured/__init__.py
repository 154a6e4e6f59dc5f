"""Measured data brought in by the user: meter series, PV production or weather files, EV records."""
