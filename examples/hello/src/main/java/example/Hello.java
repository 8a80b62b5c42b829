package example; public class Hello {}
