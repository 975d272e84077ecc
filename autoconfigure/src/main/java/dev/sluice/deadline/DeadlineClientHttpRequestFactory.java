package dev.sluice.deadline;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Bounds an outgoing call made under a deadline by the time that deadline leaves: the
 * read-timeout clamp of {@code RestClient} / {@code RestTemplate} calls. A call whose
 * answer has not arrived when the deadline passes is cut there and fails with
 * {@link DeadlineExceededException}, whatever the client's own read timeout and whether
 * or not {@code sluice.deadline.interrupt} is on.
 * <p>
 * The clients' request factories take their read timeout once, not per call, so the bound
 * is the watchdog's: it interrupts the calling thread if, and only while, it is still
 * waiting for the answer, and the flag is cleared before the call returns. The JDK
 * {@code HttpClient} (Spring Boot's default) and any client that waits interruptibly stop
 * at once; a client blocked in a platform thread's socket read (Apache HttpClient's
 * classic client) is bounded by its own read timeout only. Reading the body after the
 * answer's headers arrived is not bounded.
 */
public class DeadlineClientHttpRequestFactory implements ClientHttpRequestFactory {

	private final ClientHttpRequestFactory delegate;

	private final DeadlineWatchdog watchdog;

	/**
	 * Creates the factory.
	 * @param delegate the client's own request factory
	 * @param watchdog the watchdog that cuts calls at their deadline
	 */
	public DeadlineClientHttpRequestFactory(ClientHttpRequestFactory delegate, DeadlineWatchdog watchdog) {
		this.delegate = delegate;
		this.watchdog = watchdog;
	}

	@Override
	public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) throws IOException {
		ClientHttpRequest request = this.delegate.createRequest(uri, httpMethod);
		Optional<Deadline> deadline = Deadline.current();
		if (deadline.isEmpty()) {
			return request;
		}
		return (request instanceof StreamingHttpOutputMessage)
				? new StreamingBoundedRequest(request, deadline.get(), this.watchdog)
				: new BoundedRequest(request, deadline.get(), this.watchdog);
	}

	/**
	 * The factory this one bounds.
	 * @return the client's own request factory
	 */
	public ClientHttpRequestFactory getDelegate() {
		return this.delegate;
	}

	private static class BoundedRequest implements ClientHttpRequest {

		final ClientHttpRequest request;

		private final Deadline deadline;

		private final DeadlineWatchdog watchdog;

		BoundedRequest(ClientHttpRequest request, Deadline deadline, DeadlineWatchdog watchdog) {
			this.request = request;
			this.deadline = deadline;
			this.watchdog = watchdog;
		}

		@Override
		public ClientHttpResponse execute() throws IOException {
			DeadlineWatchdog.Watch watch = this.watchdog.watch(this.deadline, true);
			try {
				return this.request.execute();
			}
			catch (IOException ex) {
				if (watch.hasFired()) {
					throw new DeadlineExceededException("Deadline passed while waiting for " + getURI(),
							this.deadline.timeout(), ex);
				}
				throw ex;
			}
			finally {
				watch.close(); // clears the interrupt if the watch sent it
			}
		}

		@Override
		public OutputStream getBody() throws IOException {
			return this.request.getBody();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.request.getHeaders();
		}

		@Override
		public HttpMethod getMethod() {
			return this.request.getMethod();
		}

		@Override
		public URI getURI() {
			return this.request.getURI();
		}

		@Override
		public Map<String, Object> getAttributes() {
			return this.request.getAttributes();
		}

	}

	/**
	 * Keeps the client's streaming of request bodies (no copy in memory) where it has
	 * one.
	 */
	private static final class StreamingBoundedRequest extends BoundedRequest implements StreamingHttpOutputMessage {

		StreamingBoundedRequest(ClientHttpRequest request, Deadline deadline, DeadlineWatchdog watchdog) {
			super(request, deadline, watchdog);
		}

		@Override
		public void setBody(Body body) {
			((StreamingHttpOutputMessage) this.request).setBody(body);
		}

	}

}
