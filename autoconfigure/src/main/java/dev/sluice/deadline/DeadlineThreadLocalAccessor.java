package dev.sluice.deadline;

import io.micrometer.context.ThreadLocalAccessor;

/**
 * Lets Micrometer's context propagation (and so Spring's
 * {@code ContextPropagatingTaskDecorator} and Reactor) carry the current {@link Deadline}
 * to other threads. Registered through {@code META-INF/services}.
 */
public class DeadlineThreadLocalAccessor implements ThreadLocalAccessor<Deadline> {

	/** The key of the deadline in a context snapshot. */
	public static final String KEY = "sluice.deadline";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	public Deadline getValue() {
		return Deadline.current().orElse(null);
	}

	@Override
	public void setValue(Deadline value) {
		Deadline.setCurrent(value);
	}

	@Override
	public void setValue() {
		Deadline.setCurrent(null);
	}

}
