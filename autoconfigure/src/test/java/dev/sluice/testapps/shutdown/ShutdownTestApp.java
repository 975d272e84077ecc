package dev.sluice.testapps.shutdown;

import dev.sluice.pool.WorkerPool;
import dev.sluice.shutdown.AbandonedTaskHandler;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A small application for the shutdown tests, run as its own JVM (SIGTERM) or in-process. It prints what the
 * tests count: {@code PORT n}, {@code SLOW-START}, {@code RAN <id>} and {@code ABANDONED <id>}.
 */
@SpringBootApplication
public class ShutdownTestApp {

	public static void main(String[] args) {
		SpringApplication.run(ShutdownTestApp.class, args);
	}

	@Bean
	AbandonedTaskHandler printAbandoned() {
		return (task) -> System.out.println("ABANDONED " + task.taskId() + " " + task.pool());
	}

	@Bean
	ApplicationListener<WebServerInitializedEvent> printPort() {
		return (event) -> System.out.println("PORT " + event.getWebServer().getPort());
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

		@PostMapping("/enqueue")
		String enqueue(@RequestParam int n, @RequestParam(defaultValue = "50") long millis) {
			for (int i = 0; i < n; i++) {
				String id = "job-" + i;
				this.jobs.submit(id, () -> {
					try {
						Thread.sleep(millis);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						throw new IllegalStateException(id + " interrupted", ex);
					}
					System.out.println("RAN " + id);
				});
			}
			return "queued " + n;
		}

	}

}
