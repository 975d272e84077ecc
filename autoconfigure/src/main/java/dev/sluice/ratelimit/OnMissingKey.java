package dev.sluice.ratelimit;

/**
 * What a rule does with a request that has no key (no header, no principal, a resolver
 * that returned {@code null}, a header value longer than 256 characters).
 */
public enum OnMissingKey {

	/** Limit it by client IP instead. */
	IP,

	/** Limit it with one bucket shared by all such requests. */
	GLOBAL,

	/** Refuse it with 401 Unauthorized. */
	REJECT,

	/** Let it through; the rule does not apply. */
	SKIP

}
