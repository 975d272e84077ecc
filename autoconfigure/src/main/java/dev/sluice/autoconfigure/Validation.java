package dev.sluice.autoconfigure;

import java.time.Duration;

import dev.sluice.core.SluiceThreads;

/**
 * Start-up checks of {@code sluice.*} values; each failure names the property and the
 * fix.
 */
final class Validation {

	private Validation() {
	}

	static void virtualThreadsAvailable(String property) {
		if (!SluiceThreads.virtualThreadsAvailable()) {
			throw new InvalidSluiceConfigurationException(property, "virtual",
					"virtual threads need Java 21 or later; this application runs on Java "
							+ Runtime.version().feature(),
					"Run on Java 21 or later, or set " + property + " to platform.");
		}
	}

	static void positive(String property, long value) {
		if (value <= 0) {
			throw new InvalidSluiceConfigurationException(property, value, "must be greater than 0",
					"Set " + property + " to 1 or more.");
		}
	}

	static void positive(String property, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new InvalidSluiceConfigurationException(property, value, "must be greater than 0",
					"Set " + property + " to a positive duration such as 1s.");
		}
	}

	static void notNegative(String property, Duration value) {
		if (value == null || value.isNegative()) {
			throw new InvalidSluiceConfigurationException(property, value, "must not be negative",
					"Set " + property + " to 0 or a positive duration such as 30s.");
		}
	}

}
