"""The instructors' autograder: grades a class on nbgrader's course layout and gradebook, with
student code in a sandbox and the tests outside it."""
