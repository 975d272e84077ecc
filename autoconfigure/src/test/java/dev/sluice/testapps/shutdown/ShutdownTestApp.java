package dev.sluice.testapps.shutdown;

import java.util.concurrent.Executor;

import dev.sluice.pool.WorkerPool;
import dev.sluice.shutdown.AbandonedTaskHandler;
import org.apache.catalina.connector.Connector;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A small application for the shutdown tests, run as its own JVM (SIGTERM) or in-process.
 * It prints what the tests count: {@code PORT n}, {@code SLOW-START}, {@code RAN <id>}
 * (the pool completed the job), {@code JOB-INTERRUPTED <id>} (the job caught the drain's
 * interrupt), {@code ABANDONED <id> <pool> <reason>} and, with
 * {@code test.print-queue=true}, {@code QUEUED n} whenever the number of requests waiting
 * in Tomcat's executor queue changes.
 */
@SpringBootApplication
public class ShutdownTestApp {

	public static void main(String[] args) {
		SpringApplication.run(ShutdownTestApp.class, args);
	}

	@Bean
	AbandonedTaskHandler printAbandoned() {
		return (task) -> System.out.println("ABANDONED " + task.taskId() + " " + task.pool() + " " + task.reason());
	}

	@Bean
	ApplicationListener<WebServerInitializedEvent> printPort() {
		return (event) -> System.out.println("PORT " + event.getWebServer().getPort());
	}

	/**
	 * Prints the length of Tomcat's executor queue when it changes, until the web server
	 * stops.
	 */
	@Component
	@ConditionalOnBooleanProperty("test.print-queue")
	static class QueuePrinter implements ApplicationListener<WebServerInitializedEvent>, SmartLifecycle {

		private volatile Thread thread;

		@Override
		public void onApplicationEvent(WebServerInitializedEvent event) {
			Connector connector = ((TomcatWebServer) event.getWebServer()).getTomcat().getConnector();
			Thread printer = new Thread(() -> {
				int last = -1;
				while (!Thread.currentThread().isInterrupted()) {
					Executor executor = connector.getProtocolHandler().getExecutor();
					if (executor instanceof ThreadPoolExecutor pool && pool.getQueue().size() != last) {
						last = pool.getQueue().size();
						System.out.println("QUEUED " + last);
					}
					try {
						Thread.sleep(5);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "test-queue-printer");
			printer.setDaemon(true);
			printer.start();
			this.thread = printer;
		}

		@Override
		public void start() {
		}

		@Override
		public void stop() {
			Thread printer = this.thread;
			if (printer != null) {
				printer.interrupt();
			}
		}

		@Override
		public boolean isRunning() {
			return this.thread != null && this.thread.isAlive();
		}

		@Override
		public int getPhase() {
			return Integer.MAX_VALUE - 4096;
		}

	}

	@RestController
	static class Endpoints {

		private final WorkerPool jobs;

		Endpoints(@Qualifier("jobs") WorkerPool jobs) {
			this.jobs = jobs;
		}

		@GetMapping("/hello")
		String hello() {
			return "hello";
		}

		@GetMapping("/slow")
		String slow(@RequestParam(defaultValue = "3000") long millis) throws InterruptedException {
			System.out.println("SLOW-START");
			Thread.sleep(millis);
			return "done";
		}

		/**
		 * Queues {@code n} jobs of {@code millis} each. A job that is interrupted throws,
		 * or, with {@code onInterrupt=return}, restores the flag and returns normally,
		 * the ordinary Java way.
		 */
		@PostMapping("/enqueue")
		String enqueue(@RequestParam int n, @RequestParam(defaultValue = "50") long millis,
				@RequestParam(defaultValue = "throw") String onInterrupt) {
			boolean returnOnInterrupt = "return".equals(onInterrupt);
			for (int i = 0; i < n; i++) {
				String id = "job-" + i;
				this.jobs.submit(id, () -> {
					try {
						Thread.sleep(millis);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						System.out.println("JOB-INTERRUPTED " + id);
						if (returnOnInterrupt) {
							return;
						}
						throw new IllegalStateException(id + " interrupted", ex);
					}
				}).thenRun(() -> System.out.println("RAN " + id));
			}
			return "queued " + n;
		}

	}

}
