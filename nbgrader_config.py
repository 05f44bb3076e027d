"""nbgrader settings for this course; nbgrader reads this file from the course root."""

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)

c.CourseDirectory.course_id = "deep-learning-from-scratch"
c.Execute.timeout = 60
c.Verdict.reference_for_other_functions = True  # issue 14: a test fails only for the function it tests

# Feedback (`nbgrader generate_feedback`) shows neither the hidden tests nor any output: nbgrader's own
# preprocessors, after GetGrades. The hidden tests ran in the student's process, so any output,
# in any cell, may carry what they compare against. To show both (as nbgrader does by default), delete this line.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearOutput",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
