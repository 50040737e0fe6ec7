console.log("Hello from Node");
