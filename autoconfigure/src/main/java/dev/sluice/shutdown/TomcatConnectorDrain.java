package dev.sluice.shutdown;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.ProtocolHandler;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.SmartLifecycle;

/**
 * Serves what Tomcat's connectors accepted before Spring Boot's graceful shutdown pauses
 * them. A paused Tomcat endpoint answers nothing more: a connection whose request waits
 * in the connector's executor queue (every request thread busy), or whose request has not
 * been read yet, is closed without a response when a thread reaches it. Boot waits only
 * for requests already inside a servlet. So, after the readiness delay and before Boot's
 * drain, this stops the connectors accepting (it closes their server sockets, as Boot
 * would a moment later) and waits, within the shutdown budget, until every connector's
 * executor has no queued and no running work and no request is in flight, and that has
 * held for a short quiet period (a connection accepted just before may still be sending
 * its request).
 * <p>
 * For an executor it cannot count (the virtual-thread executor Spring Boot installs with
 * {@code spring.threads.virtual.enabled}), it installs a counting wrapper when the
 * connector is customized.
 */
public class TomcatConnectorDrain implements TomcatConnectorCustomizer, SmartLifecycle {

	/**
	 * After {@link GracefulShutdown} ({@code MAX}), before Boot's web-server graceful
	 * drain ({@code MAX - 1024}).
	 */
	public static final int PHASE = Integer.MAX_VALUE - 512;

	/** How long the connectors must stay idle before the drain hands over to Boot's. */
	static final Duration QUIET_PERIOD = Duration.ofMillis(200);

	private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final Logger logger = LoggerFactory.getLogger(TomcatConnectorDrain.class);

	private final LongSupplier deadlineNanos;

	private final @Nullable InFlightRequests inFlightRequests;

	private final List<Connector> connectors = new CopyOnWriteArrayList<>();

	private volatile boolean running;

	/**
	 * Creates the drain.
	 * @param deadlineNanos when the shutdown budget ends ({@link System#nanoTime()})
	 * @param inFlightRequests the in-flight request counter, if any
	 */
	public TomcatConnectorDrain(LongSupplier deadlineNanos, @Nullable InFlightRequests inFlightRequests) {
		this.deadlineNanos = deadlineNanos;
		this.inFlightRequests = inFlightRequests;
	}

	@Override
	public void customize(Connector connector) {
		ProtocolHandler handler = connector.getProtocolHandler();
		Executor executor = handler.getExecutor();
		// Tomcat creates its own thread pool at start (executor still null here); any
		// other executor is counted.
		if (executor != null && !(executor instanceof ThreadPoolExecutor) && !(executor instanceof CountingExecutor)) {
			handler.setExecutor(new CountingExecutor(executor));
		}
		this.connectors.add(connector);
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		List<Connector> serving = this.connectors.stream()
			.filter((connector) -> connector.getState().isAvailable())
			.toList();
		if (serving.isEmpty()) {
			return;
		}
		serving.forEach((connector) -> connector.getProtocolHandler().closeServerSocketGraceful());
		long start = System.nanoTime();
		long deadline = this.deadlineNanos.getAsLong();
		long idleSince = 0;
		try {
			while (deadline == Long.MAX_VALUE || deadline - System.nanoTime() > 0) {
				if (serving.stream().allMatch(this::isIdle)) {
					long now = System.nanoTime();
					if (idleSince == 0) {
						idleSince = now;
					}
					else if (now - idleSince >= QUIET_PERIOD.toNanos()) {
						logger.debug("Connectors idle {} ms after they stopped accepting",
								TimeUnit.NANOSECONDS.toMillis(now - start));
						return;
					}
				}
				else {
					idleSince = 0;
				}
				TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
			}
			logger.warn("Shutdown budget ran out with requests still queued or running in Tomcat's connectors");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private boolean isIdle(Connector connector) {
		if (this.inFlightRequests != null && this.inFlightRequests.getInFlight() > 0) {
			return false;
		}
		Executor executor = connector.getProtocolHandler().getExecutor();
		if (executor instanceof ThreadPoolExecutor pool) {
			return pool.getQueue().isEmpty() && pool.getActiveCount() == 0;
		}
		if (executor instanceof CountingExecutor counting) {
			return counting.pending.get() == 0;
		}
		return true;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Counts the work handed to an executor that does not count it itself, from
	 * {@code execute} until the task returned.
	 */
	static final class CountingExecutor implements Executor {

		private final Executor delegate;

		final AtomicInteger pending = new AtomicInteger();

		CountingExecutor(Executor delegate) {
			this.delegate = delegate;
		}

		@Override
		public void execute(Runnable command) {
			this.pending.incrementAndGet();
			try {
				this.delegate.execute(() -> {
					try {
						command.run();
					}
					finally {
						this.pending.decrementAndGet();
					}
				});
			}
			catch (RuntimeException | Error ex) {
				this.pending.decrementAndGet();
				throw ex;
			}
		}

	}

}
