import { mount } from 'svelte';
import '../ui/theme.css';
import App from './App.svelte';
import { useExtensionLanguage } from '../ext/language.js';

useExtensionLanguage('sidepanel');

mount(App, { target: document.getElementById('app')! });
