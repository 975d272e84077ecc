package dev.sluice.core;

import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;

/**
 * Marks what Sluice decided about a request (a rejection, a deadline that passed) as an
 * {@link Observation.Event} on the calling thread's current observation, normally the
 * request's {@code http.server.requests}: a trace then shows why the request ended as it
 * did. Does nothing when no observation is current.
 */
public final class CurrentObservation {

	private CurrentObservation() {
	}

	/**
	 * Adds an event to the current observation, if there is one.
	 * @param event the event
	 */
	public static void event(Observation.Event event) {
		Observation current = ObservationThreadLocalAccessor.getInstance().getValue();
		if (current != null) {
			current.event(event);
		}
	}

}
