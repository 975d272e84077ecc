package dev.sluice.safety;

/**
 * One field of a singleton bean that holds shared mutable state without protection.
 *
 * @param beanName the bean's name
 * @param className the bean's class (the user's class, not a proxy's)
 * @param fieldName the field
 * @param type the field's type, or the runtime class of its value when that is what makes
 * it unsafe
 * @param problem why the field is unsafe
 * @param fix how to make it safe
 */
public record HandlerSafetyFinding(String beanName, String className, String fieldName, String type, String problem,
		String fix) {

	/**
	 * The finding as one log line.
	 * @return the description
	 */
	public String describe() {
		return "bean '" + this.beanName + "' (" + this.className + ") field '" + this.fieldName + "' (" + this.type
				+ "): " + this.problem + "; fix: " + this.fix;
	}

}
