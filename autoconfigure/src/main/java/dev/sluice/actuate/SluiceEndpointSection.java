package dev.sluice.actuate;

/**
 * One capability's part of {@code GET /actuator/sluice}: {@code pools},
 * {@code rateLimit}, {@code deadline}, {@code concurrency}, {@code shutdown}.
 */
public interface SluiceEndpointSection {

	/**
	 * The section's key in the endpoint's answer.
	 * @return the name
	 */
	String name();

	/**
	 * The section's current state, as JSON-friendly maps, lists and values.
	 * @return the state
	 */
	Object describe();

}
