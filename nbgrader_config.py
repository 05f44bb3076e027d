"""nbgrader settings for this course; nbgrader reads this file from the course root."""

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)

c.CourseDirectory.course_id = "deep-learning-from-scratch"
c.Execute.timeout = 60
c.Verdict.reference_for_other_functions = True  # issue 14: a test fails only for the function it tests
