package dev.sluice.ratelimit;

/**
 * What a rule does when its store fails or does not answer in time.
 */
public enum OnStoreFailure {

	/** Let the request through (fail open). */
	ALLOW,

	/** Refuse it with 503 and {@code Retry-After: 1} (fail closed). */
	REJECT

}
