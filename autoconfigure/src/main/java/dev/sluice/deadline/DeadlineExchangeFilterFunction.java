package dev.sluice.deadline;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Passes the current deadline to {@code WebClient} calls: the remaining budget in
 * milliseconds goes in the deadline header, the wait for the response is bounded by the
 * time left (it fails with {@link DeadlineExceededException} when the deadline passes
 * first), and a call sent after the deadline passed fails with
 * {@link DeadlineExceededException} before any connection is opened.
 * <p>
 * The deadline is a thread-local of the request thread, and a {@code WebClient} call may
 * be subscribed on another thread, so
 * {@link #captureDeadline(WebClient.RequestHeadersSpec)} (a builder's
 * {@link WebClient.Builder#defaultRequest default request}) records it when the request
 * is built; a request built without one takes the deadline current where it is
 * subscribed. The budget in the header is measured when the request is sent.
 */
public class DeadlineExchangeFilterFunction implements ExchangeFilterFunction {

	/**
	 * Request attribute holding the {@link Deadline} current when the request was built.
	 */
	public static final String DEADLINE_ATTRIBUTE = DeadlineExchangeFilterFunction.class.getName() + ".deadline";

	private final String header;

	/**
	 * Creates the filter.
	 * @param header the header to set; {@code null} to set none
	 */
	public DeadlineExchangeFilterFunction(@Nullable String header) {
		this.header = header;
	}

	/**
	 * Records the current deadline on a request being built; use as the builder's default
	 * request.
	 * @param request the request being built
	 */
	public void captureDeadline(WebClient.RequestHeadersSpec<?> request) {
		Deadline.current().ifPresent((deadline) -> request.attribute(DEADLINE_ATTRIBUTE, deadline));
	}

	/**
	 * Configures a builder: captures the deadline when each request is built, and applies
	 * this filter.
	 * @return the customization to apply to a {@link WebClient.Builder}
	 */
	public Consumer<WebClient.Builder> customization() {
		return (builder) -> builder.defaultRequest(this::captureDeadline).filter(this);
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		Optional<Deadline> captured = request.attribute(DEADLINE_ATTRIBUTE)
			.filter(Deadline.class::isInstance)
			.map(Deadline.class::cast);
		Optional<Deadline> current = captured.isPresent() ? captured : Deadline.current();
		if (current.isEmpty()) {
			return next.exchange(request);
		}
		Deadline deadline = current.get();
		long remainingNanos = deadline.remainingNanos();
		long remainingMillis = Duration.ofNanos(remainingNanos).toMillis();
		if (remainingMillis <= 0) {
			return Mono.error(new DeadlineExceededException("Deadline passed before calling " + request.url(),
					deadline.timeout(), null));
		}
		String budget = Long.toString(remainingMillis);
		ClientRequest bounded = (this.header == null) ? request
				: ClientRequest.from(request).headers((headers) -> headers.set(this.header, budget)).build();
		return next.exchange(bounded)
			.timeout(Duration.ofNanos(remainingNanos),
					Mono.error(() -> new DeadlineExceededException("Deadline passed while waiting for " + request.url(),
							deadline.timeout(), null)));
	}

}
