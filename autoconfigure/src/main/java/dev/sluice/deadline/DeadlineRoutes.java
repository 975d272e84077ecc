package dev.sluice.deadline;

import java.time.Duration;
import java.util.List;

import dev.sluice.core.CurrentObservation;
import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestPathPatterns;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import org.springframework.web.util.pattern.PathPattern;

/**
 * The timeout of each route, matched with precompiled {@link PathPattern}s (first match
 * wins), with its {@code sluice.deadline.exceeded} counter built once.
 */
public final class DeadlineRoutes {

	/** Route tag of requests no route matches. */
	public static final String DEFAULT_ROUTE = "default";

	private final List<Route> routes;

	private final Route fallback;

	/**
	 * Creates the routes.
	 * @param routes the configured routes, in order
	 * @param defaultTimeout the timeout where none matches
	 * @param registry where expiries are counted, if anywhere
	 */
	public DeadlineRoutes(List<RouteSpec> routes, Duration defaultTimeout, @Nullable MeterRegistry registry) {
		MeterRegistry meters = (registry != null) ? registry : new SimpleMeterRegistry();
		this.routes = routes.stream()
			.flatMap((spec) -> spec.patterns()
				.stream()
				.map((pattern) -> new Route(pattern, pattern.getPatternString(), spec.timeout(),
						counter(meters, pattern.getPatternString()))))
			.toList();
		this.fallback = new Route(null, DEFAULT_ROUTE, defaultTimeout, counter(meters, DEFAULT_ROUTE));
	}

	private static Counter counter(MeterRegistry registry, String route) {
		return Counter.builder("sluice.deadline.exceeded")
			.description("Requests whose deadline passed")
			.tag("route", route)
			.register(registry);
	}

	/**
	 * The route of a request on its way through Sluice's stages.
	 * @param pass the request's pass
	 * @return the first matching route, or the default
	 */
	public Route resolve(RequestPass pass) {
		if (this.routes.isEmpty()) {
			return this.fallback;
		}
		for (Route route : this.routes) {
			if (route.paths.matches(pass)) {
				return route;
			}
		}
		return this.fallback;
	}

	/**
	 * The routes, for the Actuator endpoint.
	 * @return the configured routes then the default
	 */
	public List<Route> all() {
		return java.util.stream.Stream.concat(this.routes.stream(), java.util.stream.Stream.of(this.fallback)).toList();
	}

	/**
	 * A configured route.
	 *
	 * @param patterns the parsed paths
	 * @param timeout the timeout of requests on them
	 */
	public record RouteSpec(List<PathPattern> patterns, Duration timeout) {

	}

	/** One path pattern with its timeout and expiry counter. */
	public static final class Route {

		private final RequestPathPatterns paths;

		private final String tag;

		private final Duration timeout;

		private final Counter exceeded;

		private final Observation.Event exceededEvent;

		Route(PathPattern pattern, String tag, Duration timeout, Counter exceeded) {
			this.paths = RequestPathPatterns.of((pattern != null) ? List.of(pattern) : List.of());
			this.tag = tag;
			this.timeout = timeout;
			this.exceeded = exceeded;
			this.exceededEvent = Observation.Event.of("sluice.deadline.exceeded",
					"deadline of route " + tag + " exceeded");
		}

		/**
		 * The pattern as configured, or {@code default}.
		 * @return the route tag
		 */
		public String tag() {
			return this.tag;
		}

		/**
		 * The route's timeout.
		 * @return the timeout
		 */
		public Duration timeout() {
			return this.timeout;
		}

		/**
		 * How many requests on this route ran out of time.
		 * @return the count
		 */
		public double exceededCount() {
			return this.exceeded.count();
		}

		/**
		 * Counts one request that ran out of time on this route, and marks it on the
		 * request's current observation.
		 */
		public void countExceeded() {
			this.exceeded.increment();
			CurrentObservation.event(this.exceededEvent);
		}

	}

}
