import { mount } from "svelte";
import "./styles/theme.css";
import App from "./App.svelte";
import { lockDown } from "./lib/lockdown";

lockDown(document);

const target = document.getElementById("app");
if (!target) throw new Error("the page has no #app element");
export default mount(App, { target });
