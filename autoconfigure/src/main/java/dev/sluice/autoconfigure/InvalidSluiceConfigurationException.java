package dev.sluice.autoconfigure;

/**
 * Thrown at start-up when a {@code sluice.*} property has a value Sluice cannot run with.
 * Turned into a readable start-up report by
 * {@link InvalidSluiceConfigurationFailureAnalyzer}.
 */
public class InvalidSluiceConfigurationException extends RuntimeException {

	private final String property;

	private final Object value;

	private final String reason;

	private final String action;

	/**
	 * Creates the exception.
	 * @param property the full property name, such as {@code sluice.pools.emails.size}
	 * @param value the value that was bound
	 * @param reason why it cannot be used
	 * @param action how to fix it
	 */
	public InvalidSluiceConfigurationException(String property, Object value, String reason, String action) {
		super("Invalid value '" + value + "' for property '" + property + "': " + reason);
		this.property = property;
		this.value = value;
		this.reason = reason;
		this.action = action;
	}

	public String getProperty() {
		return this.property;
	}

	public Object getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

	public String getAction() {
		return this.action;
	}

}
