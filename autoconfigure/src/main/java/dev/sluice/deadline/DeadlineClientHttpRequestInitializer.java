package dev.sluice.deadline;

import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestInitializer;

/**
 * Passes the current deadline to outgoing {@code RestClient} / {@code RestTemplate}
 * calls: the remaining budget in milliseconds goes in the deadline header, and a call
 * made after the deadline passed fails with {@link DeadlineExceededException} before any
 * connection is opened.
 */
public class DeadlineClientHttpRequestInitializer implements ClientHttpRequestInitializer {

	private final @Nullable String header;

	/**
	 * Creates the initializer.
	 * @param header the header to set; {@code null} to set none
	 */
	public DeadlineClientHttpRequestInitializer(@Nullable String header) {
		this.header = header;
	}

	@Override
	public void initialize(ClientHttpRequest request) {
		Optional<Deadline> current = Deadline.current();
		if (current.isEmpty()) {
			return;
		}
		Deadline deadline = current.get();
		long remainingMillis = deadline.remaining().toMillis();
		if (remainingMillis <= 0) {
			throw new DeadlineExceededException("Deadline passed before calling " + request.getURI(),
					deadline.timeout(), null);
		}
		if (this.header != null) {
			request.getHeaders().set(this.header, Long.toString(remainingMillis));
		}
	}

}
