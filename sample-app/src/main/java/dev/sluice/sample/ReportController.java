package dev.sluice.sample;

import java.util.Map;

import dev.sluice.deadline.Deadline;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A report whose work takes longer than its route's deadline ({@code /reports/**}: 2 s):
 * the handler is interrupted at the deadline and the client gets 504 with a problem body,
 * not a connection held for 5 s.
 */
@RestController
class ReportController {

	@GetMapping("/reports/slow")
	Map<String, Object> slowReport(@RequestParam(defaultValue = "5000") long millis) throws InterruptedException {
		long budget = Deadline.current().map((deadline) -> deadline.remaining().toMillis()).orElse(-1L);
		Thread.sleep(millis); // an expensive query or downstream call
		return Map.of("report", "done", "budgetMillisAtStart", budget);
	}

}
