package dev.sluice.ratelimit;

/**
 * The rate-limit store failed or did not answer within its timeout; the rule's
 * {@code on-failure} decides.
 */
public class RateLimitStoreException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param message what failed
	 * @param cause the store's error
	 */
	public RateLimitStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
